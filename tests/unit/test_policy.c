/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/policy_*.c: parsing, validation, precedence, exemptions, file safety. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "policy.h"
#include "user.h"
#include "util.h"

#include "pcache_check.h"

#define NAME "t.conf"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static struct nsiso_policy *load_ok(const char *text)
{
	_cleanup_problems_ struct nsiso_problems all = {0};
	struct nsiso_error err = {0};
	struct nsiso_policy *p = NULL;
	int r = nsiso_policy_load_buffer(NAME, text, strlen(text), &p, &all, &err);

	if (r != 0)
		print_error("unexpected error: %s\n", err.msg);
	assert_int_equal(r, 0);
	assert_non_null(p);
	assert_false(nsiso_policy_degraded(p));
	assert_int_equal(all.n, 0);
	assert_int_equal(all.more, 0);
	/* Every valid policy of these tests also goes through the policy cache. */
	pcache_check_roundtrip(text, strlen(text), p);
	return p;
}

/*
 * Load @text, expect failure with exactly @msg; returns the (maybe degraded) policy.
 * Every broken file is loaded twice, as a login does (no list) and as nsisoctl
 * check does: the error, and whether a degraded policy comes back, must not
 * depend on it, and the list starts with the error.
 */
static struct nsiso_policy *load_err_len(const char *text, size_t len, const char *msg)
{
	_cleanup_problems_ struct nsiso_problems all = {0};
	struct nsiso_error err = {0}, err_all = {0};
	struct nsiso_policy *p = NULL, *p_all = NULL;
	int r = nsiso_policy_load_buffer(NAME, text, len, &p, NULL, &err);

	assert_int_equal(r, -1);
	assert_int_equal(err.kind, NSISO_ERR_POLICY);
	if (msg)
		assert_string_equal(err.msg, msg);
	if (p)
		assert_true(nsiso_policy_degraded(p));
	assert_int_equal(nsiso_policy_load_buffer(NAME, text, len, &p_all, &all, &err_all), -1);
	assert_string_equal(err_all.msg, err.msg);
	assert_int_equal(p_all != NULL, p != NULL);
	nsiso_policy_free(p_all);
	assert_true(all.n >= 1);
	assert_string_equal(all.msg[0], err.msg);
	return p;
}

static struct nsiso_policy *load_err(const char *text, const char *msg)
{
	return load_err_len(text, strlen(text), msg);
}

static void expect_error(const char *text, const char *msg)
{
	nsiso_policy_free(load_err(text, msg));
}

static gid_t no_groups[1];

static struct nsiso_user mkuser(const char *name, uid_t uid, gid_t gid, gid_t *groups, int n)
{
	return (struct nsiso_user){.name = (char *)name,
				   .uid = uid,
				   .gid = gid,
				   .groups = n ? groups : no_groups,
				   .n_groups = n};
}

static void resolve_ok(const struct nsiso_policy *p, struct nsiso_user *u, struct nsiso_settings *s)
{
	struct nsiso_error err = {0};
	int r = nsiso_policy_resolve(p, u, s, &err);

	if (r != 0)
		print_error("unexpected error: %s\n", err.msg);
	assert_int_equal(r, 0);
}

/* One setting as text, so that value tests can be tables. */
static void setting_str(const struct nsiso_settings *s, enum nsiso_key k, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	switch (k) {
	case NSISO_KEY_NAMESPACES:
		for (int i = 0; i < NSISO_NS__MAX; i++)
			if (s->ns_mask & NSISO_NS_BIT(i))
				used += (size_t)snprintf(buf + used, len - used, "%s%s",
							 used ? "," : "", nsiso_ns_table[i].name);
		break;
	case NSISO_KEY_TMP:
		snprintf(buf, len, "%s", nsiso_enum_name(&nsiso_enum_tmp, s->tmp));
		break;
	case NSISO_KEY_TMP_DIRS:
		for (unsigned i = 0; i < s->n_tmp_dirs; i++)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? "," : "",
						 s->tmp_dirs[i]);
		break;
	case NSISO_KEY_TMP_SIZE:
		nsiso_format_size(&s->tmp_size, buf, len);
		break;
	case NSISO_KEY_TMP_SHARE:
		for (unsigned i = 0; i < s->n_tmp_share; i++)
			used += (size_t)snprintf(buf + used, len - used, "%s%s:%s", i ? "," : "",
						 s->tmp_share[i],
						 s->tmp_share_rw & (1u << i) ? "rw" : "ro");
		break;
	case NSISO_KEY_PROPAGATION:
		snprintf(buf, len, "%s", nsiso_enum_name(&nsiso_enum_propagation, s->propagation));
		break;
	case NSISO_KEY_LIFETIME:
		snprintf(buf, len, "%s", nsiso_enum_name(&nsiso_enum_lifetime, s->lifetime));
		break;
	case NSISO_KEY_FROM_SET:
		snprintf(buf, len, "%s", nsiso_enum_name(&nsiso_enum_from_set, s->from_set));
		break;
	case NSISO_KEY_HOSTNAME:
		snprintf(buf, len, "%s", s->hostname ? s->hostname : "(none)");
		break;
	case NSISO_KEY_ON_ERROR:
		snprintf(buf, len, "%s", nsiso_enum_name(&nsiso_enum_on_error, s->on_error));
		break;
	default:
		snprintf(buf, len, "?");
		break;
	}
}

static void assert_setting(const struct nsiso_settings *s, enum nsiso_key k, const char *want,
			   const char *source)
{
	char got[512];

	setting_str(s, k, got, sizeof(got));
	assert_string_equal(got, want);
	if (source)
		assert_string_equal(s->source[k], source);
}

/* ------------------------------------------------------------------ */
/* Defaults and values                                                 */

static void test_defaults(void **state)
{
	struct nsiso_policy *p = load_ok("");
	struct nsiso_user u = mkuser("bob", 1000, 1000, NULL, 0);
	struct nsiso_settings s;
	const char *why = "x";

	resolve_ok(p, &u, &s);
	assert_setting(&s, NSISO_KEY_NAMESPACES, "mnt,ipc,uts", "default");
	assert_setting(&s, NSISO_KEY_TMP, "tmpfs", "default");
	assert_setting(&s, NSISO_KEY_TMP_DIRS, "/tmp,/var/tmp", "default");
	assert_setting(&s, NSISO_KEY_TMP_SIZE, "10%", "default");
	assert_setting(&s, NSISO_KEY_TMP_SHARE, "", "default");
	assert_setting(&s, NSISO_KEY_PROPAGATION, "slave", "default");
	assert_setting(&s, NSISO_KEY_LIFETIME, "processes", "default");
	assert_setting(&s, NSISO_KEY_FROM_SET, "host", "default");
	assert_setting(&s, NSISO_KEY_HOSTNAME, "(none)", "default");
	assert_setting(&s, NSISO_KEY_ON_ERROR, "deny", "default");
	assert_string_equal(s.source[NSISO_KEY_EXEMPT_USERS], "default");
	assert_string_equal(s.source[NSISO_KEY_EXEMPT_GROUPS], "default");
	nsiso_settings_free(&s);

	/* exempt_users = root by default; nobody else. */
	struct nsiso_user root = mkuser("root", 0, 0, NULL, 0);
	assert_true(nsiso_policy_exempt(p, &root, &why));
	assert_string_equal(why, "exempt_users");
	assert_false(nsiso_policy_exempt(p, &u, &why));
	assert_null(why);
	assert_int_equal(nsiso_policy_on_error(p), NSISO_ONERR_DENY);
	nsiso_policy_free(p);
}

static void test_comments_and_blank_lines(void **state)
{
	struct nsiso_policy *p = load_ok("# comment\n; other comment\n\n[global]\n"
					 "  tmp = off   ; inline comment\n"
					 "lifetime = boot # also a comment\n\r\n");
	struct nsiso_user u = mkuser("bob", 1000, 1000, NULL, 0);
	struct nsiso_settings s;

	resolve_ok(p, &u, &s);
	assert_setting(&s, NSISO_KEY_TMP, "off", "global");
	assert_setting(&s, NSISO_KEY_LIFETIME, "boot", "global");
	nsiso_settings_free(&s);
	nsiso_policy_free(p);
}

struct value_case {
	const char *line;
	enum nsiso_key key;
	const char *want;
};

static const struct value_case valid_values[] = {
    {"tmp_share = .X11-unix", NSISO_KEY_TMP_SHARE, ".X11-unix:ro"},
    {"tmp_share = .X11-unix:rw, .ICE-unix:ro", NSISO_KEY_TMP_SHARE, ".X11-unix:rw,.ICE-unix:ro"},
    {"tmp_share = a b:rw \"c d\"", NSISO_KEY_TMP_SHARE, "a:ro,b:rw,c d:ro"},
    {"tmp_share = x:y:rw", NSISO_KEY_TMP_SHARE, "x:y:rw"},
    {"tmp_share =", NSISO_KEY_TMP_SHARE, ""},
    {"namespaces = mnt", NSISO_KEY_NAMESPACES, "mnt"},
    {"namespaces = mnt,ipc", NSISO_KEY_NAMESPACES, "mnt,ipc"},
    {"namespaces = uts mnt", NSISO_KEY_NAMESPACES, "mnt,uts"},
    {"namespaces = mnt, mnt ,ipc,,uts", NSISO_KEY_NAMESPACES, "mnt,ipc,uts"},
    {"namespaces = \"mnt\", uts", NSISO_KEY_NAMESPACES, "mnt,uts"},
    {"namespaces = mnt \"uts\"", NSISO_KEY_NAMESPACES, "mnt,uts"},
    {"namespaces = mnt uts # ipc", NSISO_KEY_NAMESPACES, "mnt,uts"},
    {"tmp = tmpfs", NSISO_KEY_TMP, "tmpfs"},
    {"tmp = persistent", NSISO_KEY_TMP, "persistent"},
    {"tmp = off", NSISO_KEY_TMP, "off"},
    {"tmp = ' off '", NSISO_KEY_TMP, "off"},
    {"tmp_dirs = /tmp", NSISO_KEY_TMP_DIRS, "/tmp"},
    {"tmp_dirs = //tmp//, /var//tmp/", NSISO_KEY_TMP_DIRS, "/tmp,/var/tmp"},
    {"tmp_dirs = /a,/b,/c,/d,/e,/f,/g,/h", NSISO_KEY_TMP_DIRS, "/a,/b,/c,/d,/e,/f,/g,/h"},
    {"tmp_dirs = \"/srv/scratch dir\"", NSISO_KEY_TMP_DIRS, "/srv/scratch dir"},
    {"tmp_dirs = /srv/scratch dir,", NSISO_KEY_TMP_DIRS, "/srv/scratch dir"},
    {"tmp_dirs = /tmp /var/tmp", NSISO_KEY_TMP_DIRS, "/tmp,/var/tmp"},
    {"tmp_dirs = /tmp, /tmpx, /var/run-not", NSISO_KEY_TMP_DIRS, "/tmp,/tmpx,/var/run-not"},
    {"tmp_dirs = /devices, /procx, /system, /running", NSISO_KEY_TMP_DIRS,
     "/devices,/procx,/system,/running"},
    {"tmp_dirs = /a..b/.c/..d", NSISO_KEY_TMP_DIRS, "/a..b/.c/..d"},
    {"tmp_size = 1", NSISO_KEY_TMP_SIZE, "1"},
    {"tmp_size = 64k", NSISO_KEY_TMP_SIZE, "65536"},
    {"tmp_size = 2G", NSISO_KEY_TMP_SIZE, "2147483648"},
    {"tmp_size = 100%", NSISO_KEY_TMP_SIZE, "100%"},
    {"propagation = slave", NSISO_KEY_PROPAGATION, "slave"},
    {"propagation = private", NSISO_KEY_PROPAGATION, "private"},
    {"lifetime = processes", NSISO_KEY_LIFETIME, "processes"},
    {"lifetime = session", NSISO_KEY_LIFETIME, "session"},
    {"lifetime = boot", NSISO_KEY_LIFETIME, "boot"},
    {"from_set = host", NSISO_KEY_FROM_SET, "host"},
    {"from_set = stay", NSISO_KEY_FROM_SET, "stay"},
    {"hostname = %u-%h", NSISO_KEY_HOSTNAME, "%u-%h"},
    {"hostname = box%U%%", NSISO_KEY_HOSTNAME, "box%U%%"},
    {"hostname =", NSISO_KEY_HOSTNAME, "(none)"},
    {"hostname = \"\"", NSISO_KEY_HOSTNAME, "(none)"},
    {"on_error = deny", NSISO_KEY_ON_ERROR, "deny"},
    {"on_error = allow", NSISO_KEY_ON_ERROR, "allow"},
};

static void test_valid_values(void **state)
{
	struct nsiso_user u = mkuser("bob", 1000, 1000, NULL, 0);

	for (size_t i = 0; i < ARRAY_SIZE(valid_values); i++) {
		char text[256];
		struct nsiso_policy *p;
		struct nsiso_settings s;

		snprintf(text, sizeof(text), "[global]\n%s\n", valid_values[i].line);
		p = load_ok(text);
		resolve_ok(p, &u, &s);
		assert_setting(&s, valid_values[i].key, valid_values[i].want, "global");
		nsiso_settings_free(&s);
		nsiso_policy_free(p);
	}
}

struct error_case {
	const char *line;
	const char *msg; /* after "t.conf:2: [global] " */
};

static const struct error_case invalid_values[] = {
    {"tmp_share = .X11-unix:wr", "tmp_share: invalid value 'wr' (expected ro or rw)"},
    {"tmp_share = .X11-unix:", "tmp_share: invalid value '' (expected ro or rw)"},
    {"tmp_share = :rw", "tmp_share: an empty name"},
    {"tmp_share = ..", "tmp_share: '..' is not an entry of /tmp"},
    {"tmp_share = .:ro", "tmp_share: '.' is not an entry of /tmp"},
    {"tmp_share = /tmp/.X11-unix", "tmp_share: '/tmp/.X11-unix' has a '/': a name in /tmp, not "
				   "a path, is expected"},
    {"tmp_share = a/b", "tmp_share: 'a/b' has a '/': a name in /tmp, not a path, is expected"},
    {"tmp_share = a, b:rw, a:rw", "tmp_share: 'a' is listed twice"},
    {"tmp_share = \"a\tb\"", "tmp_share: 'a\\x09b' contains control characters"},
    {"tmp_share = a,b,c,d,e,f,g,h,i", "tmp_share: too many entries (at most 8)"},
    {"net = bridge", "net: invalid value 'bridge' (expected loopback or hook)"},
    {"net_hook = hook.sh", "net_hook: 'hook.sh' is not an absolute, normalised path"},
    {"net_hook = /etc/../bin/sh", "net_hook: '/etc/../bin/sh' is not an absolute, normalised path"},
    {"net_hook_timeout = 0",
     "net_hook_timeout: invalid timeout '0' (expected whole seconds, 1 to 600)"},
    {"net_hook_timeout = 601",
     "net_hook_timeout: invalid timeout '601' (expected whole seconds, 1 to 600)"},
    {"net_hook_timeout = 5s",
     "net_hook_timeout: invalid timeout '5s' (expected whole seconds, 1 to 600)"},
    {"init_hook = init.sh", "init_hook: 'init.sh' is not an absolute, normalised path"},
    {"init_hook = /usr/./sbin/x", "init_hook: '/usr/./sbin/x' is not an absolute, normalised path"},
    {"init_hook_timeout = 0",
     "init_hook_timeout: invalid timeout '0' (expected whole seconds, 1 to 600)"},
    {"init_hook_timeout = 601",
     "init_hook_timeout: invalid timeout '601' (expected whole seconds, 1 to 600)"},
    {"init_hook_timeout = -1",
     "init_hook_timeout: invalid timeout '-1' (expected whole seconds, 1 to 600)"},
    {"netns_name = nsiso-%x", "netns_name: invalid netns_name template 'nsiso-%x' (unknown "
			      "%-sequence (expected %u, %U, %h or %%))"},
    {"namespaces = ipc, uts", "namespaces: must include mnt (the other namespaces are joined "
			      "through it)"},
    {"namespaces =", "namespaces: must include mnt (the other namespaces are joined through it)"},
    {"namespaces = mnt, pid", "namespaces: unknown namespace 'pid' (expected mnt, ipc, uts, net)"},
    {"namespaces = MNT", "namespaces: unknown namespace 'MNT' (expected mnt, ipc, uts, net)"},
    {"namespaces = mnt;ipc", NULL}, /* ';' starts a comment: "mnt" alone is valid */
    {"tmp = TMPFS", "tmp: invalid value 'TMPFS' (expected tmpfs, persistent or off)"},
    {"tmp =", "tmp: invalid value '' (expected tmpfs, persistent or off)"},
    {"tmp = tmpfs,off", "tmp: invalid value 'tmpfs,off' (expected tmpfs, persistent or off)"},
    {"tmp_dirs =", "tmp_dirs: at least one directory is needed (use tmp = off for none)"},
    {"tmp_dirs = , ,", "tmp_dirs: at least one directory is needed (use tmp = off for none)"},
    {"tmp_dirs = tmp", "tmp_dirs: 'tmp' is not an absolute path"},
    {"tmp_dirs = /", "tmp_dirs: '/' cannot be a private tmp dir"},
    {"tmp_dirs = ///", "tmp_dirs: '/' cannot be a private tmp dir"},
    {"tmp_dirs = /tmp/../etc", "tmp_dirs: '/tmp/../etc' has a '.' or '..' component"},
    {"tmp_dirs = /tmp/.", "tmp_dirs: '/tmp/.' has a '.' or '..' component"},
    {"tmp_dirs = /./tmp", "tmp_dirs: '/./tmp' has a '.' or '..' component"},
    {"tmp_dirs = /proc", "tmp_dirs: '/proc' is under /proc, which is not allowed"},
    {"tmp_dirs = /sys/fs/x", "tmp_dirs: '/sys/fs/x' is under /sys, which is not allowed"},
    {"tmp_dirs = /run/user", "tmp_dirs: '/run/user' is under /run, which is not allowed"},
    {"tmp_dirs = //dev//shm/", "tmp_dirs: '//dev//shm/' is under /dev, which is not allowed "
			       "(/dev/shm is made private by the ipc namespace)"},
    {"tmp_dirs = /a,/b,/c,/d,/e,/f,/g,/h,/i", "tmp_dirs: too many directories (at most 8)"},
    {"tmp_dirs = /tmp, /tmp/", "tmp_dirs: '/tmp' is listed twice"},
    {"tmp_dirs = /var, /var/tmp", "tmp_dirs: '/var' and '/var/tmp' overlap"},
    {"tmp_dirs = /a\x01", "tmp_dirs: invalid list: control character (byte 3)"},
    {"tmp_dirs = \"/a\x01\"", "tmp_dirs: invalid list: control character (byte 4)"},
    {"tmp_dirs = \"/tmp, /var/tmp\"", "tmp_dirs: '/tmp, /var/tmp' contains a comma (quotes make "
				      "one item: write a list without them)"},
    {"tmp_dirs = /tmp, \"/var/tmp", "tmp_dirs: invalid list: a quote is not closed"},
    {"tmp_dirs = /srv/scratch dir", "tmp_dirs: 'dir' is not an absolute path (in a list without a "
				    "comma, blanks separate items: quote a path that has blanks)"},
    {"namespaces = \"mnt, uts\"", "namespaces: unknown namespace 'mnt, uts' (expected mnt, ipc, "
				  "uts, net) (quotes make one item: write a list without them)"},
    {"namespaces = mnt ipc, uts",
     "namespaces: unknown namespace 'mnt ipc' (expected mnt, ipc, uts, "
     "net) (in a list with a comma, only commas separate items)"},
    {"exempt_users = \"a\\b\"", "exempt_users: invalid list: unknown escape '\\b' in quotes (only "
				"\\\" and \\\\)"},
    {"exempt_users = a\"b\"", "exempt_users: invalid list: a quote inside an item (quote the whole "
			      "item)"},
    {"exempt_users = \"a\"b", "exempt_users: invalid list: text after a closing quote (byte 4)"},
    {"exempt_users = \"a\" b, c",
     "exempt_users: invalid list: text after a closing quote (byte 5)"},
    {"exempt_users = \"\"", "exempt_users: invalid name ''"},
    {"exempt_users = \"a/b\"", "exempt_users: invalid name 'a/b'"},
    {"tmp_size = 12Q", "tmp_size: invalid size '12Q' (expected bytes with K/M/G/T suffix or "
		       "1-100%)"},
    {"tmp_size = 0", "tmp_size: invalid size '0' (expected bytes with K/M/G/T suffix or 1-100%)"},
    {"tmp_size = 101%", "tmp_size: invalid size '101%' (expected bytes with K/M/G/T suffix or "
			"1-100%)"},
    {"tmp_size =", "tmp_size: invalid size '' (expected bytes with K/M/G/T suffix or 1-100%)"},
    {"propagation = shared", "propagation: invalid value 'shared' (expected slave or private)"},
    {"lifetime = forever", "lifetime: invalid value 'forever' (expected processes, session or "
			   "boot)"},
    {"from_set = Host", "from_set: invalid value 'Host' (expected host or stay)"},
    {"hostname = %x", "hostname: invalid hostname template '%x' (unknown %-sequence (expected "
		      "%u, %U, %h or %%))"},
    {"hostname = box%", "hostname: invalid hostname template 'box%' ('%' at the end (use %% "
			"for a literal '%'))"},
    {"exempt_users = a/b", "exempt_users: invalid name 'a/b'"},
    {"exempt_users = root, ..", "exempt_users: invalid name '..'"},
    {"exempt_groups = wheel, x/y", "exempt_groups: invalid name 'x/y'"},
    {"on_error = ignore", "on_error: invalid value 'ignore' (expected deny or allow)"},
    {"on_error = ALLOW", "on_error: invalid value 'ALLOW' (expected deny or allow)"},
};

static void test_invalid_values(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(invalid_values); i++) {
		char text[256], msg[512];

		snprintf(text, sizeof(text), "[global]\n%s\n", invalid_values[i].line);
		if (!invalid_values[i].msg) {
			nsiso_policy_free(load_ok(text));
			continue;
		}
		snprintf(msg, sizeof(msg), NAME ":2: [global] %s", invalid_values[i].msg);
		expect_error(text, msg);
	}
}

static void test_value_escaped_and_bounded(void **state)
{
	char text[1024], msg[1024];
	struct nsiso_error err = {0};
	struct nsiso_policy *p = NULL;

	/* A long junk value is echoed escaped and cut, never whole. */
	snprintf(text, sizeof(text), "[global]\ntmp = \x1b[31m%0400d\n", 7);
	assert_int_equal(nsiso_policy_load_buffer(NAME, text, strlen(text), &p, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "'\\x1b[31m000"));
	assert_non_null(strstr(err.msg, "...'"));
	assert_true(strlen(err.msg) < 200);
	assert_null(strchr(err.msg, '\x1b'));
	nsiso_policy_free(p);

	/* Section and key names are escaped too. */
	snprintf(msg, sizeof(msg), NAME ":2: [global] t\\x7fmp: unknown key");
	expect_error("[global]\nt\x7fmp = 1\n", msg);
}

/* init_hook: per section like net_hook, empty turns it off, its own timeout. */
static void test_init_hook_settings(void **state)
{
	struct nsiso_user bob = mkuser("bob", 1000, 1000, NULL, 0);
	struct nsiso_user carol = mkuser("carol", 1001, 1001, NULL, 0);
	struct nsiso_user dave = mkuser("dave", 1002, 1002, NULL, 0);
	struct nsiso_policy *p = load_ok("[global]\ninit_hook = /usr/lib/nsiso/init\n"
					 "[user:bob]\ninit_hook_timeout = 5\n"
					 "[user:carol]\ninit_hook =\n"
					 "[user:dave]\ninit_hook = /usr/lib/nsiso/dave\n");
	struct nsiso_error err = {0};
	struct nsiso_settings s;

	(void)state;
	assert_int_equal(nsiso_policy_resolve(p, &bob, &s, &err), 0);
	assert_string_equal(s.init_hook, "/usr/lib/nsiso/init");
	assert_int_equal(s.init_hook_timeout, 5);
	assert_string_equal(s.source[NSISO_KEY_INIT_HOOK], "global");
	assert_string_equal(s.source[NSISO_KEY_INIT_HOOK_TIMEOUT], "user:bob");
	nsiso_settings_free(&s);
	assert_int_equal(nsiso_policy_resolve(p, &carol, &s, &err), 0);
	assert_null(s.init_hook);
	assert_int_equal(s.init_hook_timeout, 30);
	nsiso_settings_free(&s);
	assert_int_equal(nsiso_policy_resolve(p, &dave, &s, &err), 0);
	assert_string_equal(s.init_hook, "/usr/lib/nsiso/dave");
	nsiso_settings_free(&s);
	nsiso_policy_free(p);
}

/* net = hook needs a hook: a rule across keys. */
static void test_net_settings(void **state)
{
	gid_t wheel[] = {0};
	struct nsiso_user bob = mkuser("bob", 1000, 1000, NULL, 0);
	struct nsiso_user carol = mkuser("carol", 1001, 1001, wheel, 1);
	struct nsiso_policy *p = load_ok("[global]\nnamespaces = mnt, net\n"
					 "netns_name = nsiso-%u\nnet_hook = /usr/lib/nsiso/global\n"
					 "[user:bob]\nnet = hook\nnet_hook = /usr/lib/nsiso/hook\n"
					 "[group:root]\nnet = hook\n"
					 "[user:carol]\nnet_hook =\n");
	struct nsiso_error err = {0};
	struct nsiso_settings s;

	assert_int_equal(nsiso_policy_resolve(p, &bob, &s, &err), 0);
	assert_true(s.ns_mask & NSISO_NS_BIT(NSISO_NS_NET));
	assert_int_equal(s.net, NSISO_NET_HOOK);
	assert_string_equal(s.net_hook, "/usr/lib/nsiso/hook");
	assert_string_equal(s.netns_name, "nsiso-%u");
	assert_string_equal(s.source[NSISO_KEY_NET_HOOK], "user:bob");
	nsiso_settings_free(&s);
	/* Only carol's chain (group then user) gives hook without a hook: resolve catches it. */
	assert_int_equal(nsiso_policy_resolve(p, &carol, &s, &err), -1);
	assert_string_equal(err.msg,
			    "net = hook (from group:root) needs net_hook, which is not set");
	nsiso_policy_free(p);
	/* Within one section over [global], the loader already sees it (nsisoctl check). */
	p = load_err("[global]\nnamespaces = mnt, net\n[user:dave]\ntmp = off\nnet = hook\n",
		     NAME ":5: [user:dave] net: net = hook needs net_hook, which is not set");
	nsiso_policy_free(p);
}

static void test_key_names(void **state)
{
	static const char *const names[NSISO_KEY__MAX] = {
	    "namespaces",    "tmp",	    "tmp_dirs",		 "tmp_size",
	    "tmp_share",     "propagation", "lifetime",		 "from_set",
	    "hostname",	     "net",	    "net_hook",		 "net_hook_timeout",
	    "netns_name",    "init_hook",   "init_hook_timeout", "exempt_users",
	    "exempt_groups", "on_error",
	};

	for (int k = 0; k < NSISO_KEY__MAX; k++)
		assert_string_equal(nsiso_key_name((enum nsiso_key)k), names[k]);
	assert_string_equal(nsiso_key_name(NSISO_KEY__MAX), "?");
}

/* The shipped example sets every key, to its default. */
static void test_example_config(void **state)
{
	/* Built from the repository root: find config/ next to tests/. */
	static const char self[] = __FILE__, tail[] = "tests/unit/test_policy.c";
	char path[4096], *text;
	struct nsiso_policy *p, *defaults;
	struct nsiso_user u = mkuser("bob", 1000, 1000, NULL, 0);
	struct nsiso_settings s, d;
	size_t len;
	int fd;

	assert_true(strlen(self) >= strlen(tail));
	snprintf(path, sizeof(path), "%.*sconfig/nsiso.conf", (int)(strlen(self) - strlen(tail)),
		 self);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		skip();
	assert_int_equal(nsiso_read_fd(fd, 1 << 20, &text, &len), 0);
	close(fd);
	p = load_ok(text);
	free(text);
	defaults = load_ok("");
	resolve_ok(p, &u, &s);
	resolve_ok(defaults, &u, &d);
	for (int k = 0; k < NSISO_KEY__MAX; k++) {
		char want[512];

		if (strcmp(s.source[k], "global") != 0)
			fail_msg("example does not set %s", nsiso_key_name((enum nsiso_key)k));
		setting_str(&d, (enum nsiso_key)k, want, sizeof(want));
		assert_setting(&s, (enum nsiso_key)k, want, NULL);
	}
	struct nsiso_user root = mkuser("root", 0, 0, NULL, 0);
	assert_true(nsiso_policy_exempt(p, &root, NULL));
	assert_int_equal(nsiso_policy_on_error(p), NSISO_ONERR_DENY);
	nsiso_settings_free(&s);
	nsiso_settings_free(&d);
	nsiso_policy_free(p);
	nsiso_policy_free(defaults);
}

/* ------------------------------------------------------------------ */
/* Structure                                                           */

static void test_structure_errors(void **state)
{
	expect_error("tmp = off\n[global]\n",
		     NAME ":1: tmp: key outside any section (add [global])");
	expect_error("[global]\ntmpsize = 1G\n", NAME ":2: [global] tmpsize: unknown key");
	expect_error("[global]\nTmp = off\n", NAME ":2: [global] Tmp: unknown key");
	expect_error("[global]\n[groups:x]\n",
		     NAME ":2: [groups:x]: unknown section kind (expected "
			  "[global], [group:NAME] or [user:NAME])");
	expect_error("[Global]\n", NAME ":1: [Global]: unknown section kind (expected [global], "
					"[group:NAME] or [user:NAME])");
	expect_error("[global:x]\n",
		     NAME ":1: [global:x]: unknown section kind (expected [global], "
			  "[group:NAME] or [user:NAME])");
	expect_error("[user:]\n", NAME ":1: [user:]: missing name");
	expect_error("[group:]\n", NAME ":1: [group:]: missing name");
	expect_error("[user:a/b]\n", NAME ":1: [user:a/b]: invalid name");
	expect_error("[user:a:b]\n", NAME ":1: [user:a:b]: invalid name");
	expect_error("[user: ab]\n", NAME
		     ":1: [user: ab]: a blank after ':' (the name starts right after the colon)");
	expect_error("[user:a\tb]\n", NAME ":1: [user:a\\x09b]: invalid name");
	expect_error("[group:..]\n", NAME ":1: [group:..]: invalid name");
	expect_error("[global]\n[]\n", NAME ":2: []: empty section name");
	expect_error("[global]\n[a]b]\n", NAME ":2: [a]b]: malformed section header");
	/* iniparser itself rejects this one. */
	nsiso_policy_free(load_err("[global]\n= x\n", NULL));
}

static void test_global_only_keys(void **state)
{
	expect_error("[group:root]\nexempt_users = bob\n",
		     NAME ":2: [group:root] exempt_users: only allowed in [global]");
	expect_error("[user:bob]\nexempt_groups = wheel\n",
		     NAME ":2: [user:bob] exempt_groups: only allowed in [global]");
	expect_error("[global]\n[user:bob]\non_error = allow\n",
		     NAME ":3: [user:bob] on_error: only allowed in [global]");
}

static void test_duplicates(void **state)
{
	expect_error("[global]\ntmp = off\n[global]\n",
		     NAME ":3: [global]: duplicate section (first at line 1)");
	expect_error("[user:bob]\n\n[ user:bob ]\n",
		     NAME ":3: [user:bob]: duplicate section (first at line 1)");
	expect_error("[user:alice]\n[user:Alice]\n",
		     NAME ":2: [user:Alice]: duplicate section (first at line 1; section names are "
			  "compared without case)");
	expect_error("[group:Staff]\n[global]\n[group:STAFF]\n",
		     NAME ":3: [group:STAFF]: duplicate section (first at line 1; section names "
			  "are compared without case)");
	expect_error("[global]\ntmp = off\ntmp = tmpfs\n",
		     NAME ":3: [global] tmp: duplicate key (first at line 2)");
	/* The same key in two spellings of one section still collides in iniparser. */
	expect_error("[global]\n[user:x]\ntmp = off\n[User:X]\ntmp = tmpfs\n",
		     NAME ":4: [User:X]: duplicate section (first at line 2; section names are "
			  "compared without case)");
}

static void test_first_error_wins(void **state)
{
	/* Errors are reported in file order, one message. */
	expect_error("[global]\ntmp = bad\n[user:x]\nlifetime = bad\n",
		     NAME ":2: [global] tmp: invalid value 'bad' (expected tmpfs, persistent or "
			  "off)");
	expect_error("[user:x]\nlifetime = bad\n[global]\ntmp = bad\n",
		     NAME ":2: [user:x] lifetime: invalid value 'bad' (expected processes, "
			  "session or boot)");
}

/* Load a broken @text as nsisoctl check does: the list, and the error it starts with. */
static void load_all(const char *text, struct nsiso_problems *all, struct nsiso_error *err)
{
	struct nsiso_policy *p = NULL;

	assert_int_equal(nsiso_policy_load_buffer(NAME, text, strlen(text), &p, all, err), -1);
	nsiso_policy_free(p);
	assert_true(all->n >= 1);
	assert_string_equal(all->msg[0], err->msg);
}

static void assert_problems(const struct nsiso_problems *all, const char *const *want, size_t n)
{
	for (size_t i = 0; i < all->n && i < n; i++)
		assert_string_equal(all->msg[i], want[i]);
	assert_int_equal(all->n, n);
	assert_int_equal(all->more, 0);
}

static void test_all_problems(void **state)
{
	static const char text[] = "[global]\n"		    /* 1 */
				   "tmp = bad\n"	    /* 2 */
				   "exempt_users = alice\n" /* 3 */
				   "frobnicate = 1\n"	    /* 4 */
				   "[user:bob]\n"	    /* 5 */
				   "net = hook\n"	    /* 6: no net_hook, listed last */
				   "on_error = allow\n"	    /* 7 */
				   "[user:bob]\n"	    /* 8 */
				   "tmp = nonsense\n"	    /* 9: in a rejected section */
				   "[group:staff]\n"	    /* 10 */
				   "tmp_size = 0\n"	    /* 11 */
				   "lifetime = boot\n"	    /* 12 */
				   "lifetime = session\n"   /* 13 */
				   "[globul]\n"		    /* 14 */
				   "key = outside\n";	    /* 15: in a rejected section */
	static const char *const want[] = {
	    NAME ":2: [global] tmp: invalid value 'bad' (expected tmpfs, persistent or off)",
	    NAME ":4: [global] frobnicate: unknown key",
	    NAME ":7: [user:bob] on_error: only allowed in [global]",
	    NAME ":8: [user:bob]: duplicate section (first at line 5)",
	    NAME ":11: [group:staff] tmp_size: invalid size '0' (expected bytes with K/M/G/T "
		 "suffix or 1-100%)",
	    NAME ":13: [group:staff] lifetime: duplicate key (first at line 12)",
	    NAME ":14: [globul]: unknown section kind (expected [global], [group:NAME] or "
		 "[user:NAME])",
	    NAME ":6: [user:bob] net: net = hook needs net_hook, which is not set",
	};
	_cleanup_problems_ struct nsiso_problems all = {0};
	struct nsiso_error err = {0};
	struct nsiso_policy *p = NULL;
	struct nsiso_user alice = mkuser("alice", 1000, 1000, NULL, 0);

	/* The first problem is the error, exactly as without a list (what a login logs). */
	p = load_err(text, want[0]);
	/* The list changes nothing else: the same degraded policy, from the valid [global] keys. */
	assert_true(nsiso_policy_exempt(p, &alice, NULL));
	nsiso_policy_free(p);
	load_all(text, &all, &err);
	assert_problems(&all, want, ARRAY_SIZE(want));

	/* The list is overwritten by the next load; clean is empty. */
	nsiso_problems_free(&all);
	assert_int_equal(nsiso_policy_load_buffer(NAME, "[global]\n", 9, &p, &all, &err), 0);
	assert_int_equal(all.n + all.more, 0);
	nsiso_policy_free(p);
}

/* A rejected net_hook is reported once, not again as missing under net = hook. */
static void test_problems_no_echo(void **state)
{
	static const char *const own[] = {
	    NAME ":3: [user:x] net_hook: 'hook' is not an absolute, normalised path",
	};
	static const char *const global[] = {
	    NAME ":2: [global] net_hook: 'hook' is not an absolute, normalised path",
	};
	static const char *const dup[] = {
	    NAME ":4: [user:x] net_hook: duplicate key (first at line 3)",
	};
	_cleanup_problems_ struct nsiso_problems all = {0};
	struct nsiso_error err = {0};

	load_all("[global]\n[user:x]\nnet_hook = hook\nnet = hook\n", &all, &err);
	assert_problems(&all, own, ARRAY_SIZE(own));
	nsiso_problems_free(&all);
	nsiso_error_clear(&err);
	load_all("[global]\nnet_hook = hook\n[user:x]\nnet = hook\n", &all, &err);
	assert_problems(&all, global, ARRAY_SIZE(global));
	nsiso_problems_free(&all);
	nsiso_error_clear(&err);
	load_all("[global]\n[user:x]\nnet_hook = /a\nnet_hook = /b\nnet = hook\n", &all, &err);
	assert_problems(&all, dup, ARRAY_SIZE(dup));
}

/* A hostile file costs a counter past the cap, not memory; the kept messages are the first. */
static void test_problems_capped(void **state)
{
	_cleanup_problems_ struct nsiso_problems all = {0};
	_cleanup_free_ char *text = NULL;
	struct nsiso_error err = {0};
	size_t n = 1000, used, cap = 32 + n * 16;
	char want[128];

	text = malloc(cap);
	assert_non_null(text);
	used = (size_t)snprintf(text, cap, "[global]\n");
	for (size_t i = 0; i < n; i++)
		used += (size_t)snprintf(text + used, cap - used, "bad%zu = 1\n", i);
	load_all(text, &all, &err);
	assert_int_equal(all.n, NSISO_MAX_PROBLEMS);
	assert_int_equal(all.more, n - NSISO_MAX_PROBLEMS);
	assert_string_equal(err.msg, NAME ":2: [global] bad0: unknown key");
	snprintf(want, sizeof(want), NAME ":%d: [global] bad%d: unknown key",
		 NSISO_MAX_PROBLEMS + 1, NSISO_MAX_PROBLEMS - 1);
	assert_string_equal(all.msg[NSISO_MAX_PROBLEMS - 1], want);
}

/* A problem that stops the load is the only one: nothing after it was looked at. */
static void test_problems_fatal(void **state)
{
	static const char nul[] = "[global]\nfoo = 1\ntmp = o\0ff\n";
	_cleanup_problems_ struct nsiso_problems all = {0};
	_cleanup_free_ char *many = NULL;
	struct nsiso_error err = {0};
	struct nsiso_policy *p = NULL;
	size_t cap = 64 + (NSISO_MAX_SECTIONS + 1) * 24, used;

	load_all("[global]\nfoo = 1\nthis is not ini\nbar = 2\n", &all, &err);
	assert_int_equal(all.n, 1);
	assert_string_equal(all.msg[0], NAME ":3: syntax error");
	nsiso_problems_free(&all);

	nsiso_error_clear(&err);
	assert_int_equal(nsiso_policy_load_buffer(NAME, nul, sizeof(nul) - 1, &p, &all, &err), -1);
	assert_null(p);
	assert_int_equal(all.n, 1);
	assert_string_equal(all.msg[0], NAME ":3: NUL byte in the file");
	nsiso_problems_free(&all);

	many = malloc(cap);
	assert_non_null(many);
	used = (size_t)snprintf(many, cap, "[global]\nfoo = 1\n");
	for (int i = 0; i < NSISO_MAX_SECTIONS; i++)
		used += (size_t)snprintf(many + used, cap - used, "[user:u%d]\n", i);
	nsiso_error_clear(&err);
	load_all(many, &all, &err);
	assert_int_equal(all.n, 1);
	assert_non_null(strstr(all.msg[0], "too many sections"));
}

static void test_whole_file_validated(void **state)
{
	/* A typo in a section for somebody else still fails the load. */
	expect_error("[global]\n[user:nobody-here]\ntmp_size = 1X\n",
		     NAME ":3: [user:nobody-here] tmp_size: invalid size '1X' (expected bytes "
			  "with K/M/G/T suffix or 1-100%)");
}

static void test_nul_byte(void **state)
{
	static const char text[] = "[global]\ntmp = off\nlifetime = b\0oot\n";
	struct nsiso_policy *p =
	    load_err_len(text, sizeof(text) - 1, NAME ":3: NUL byte in the file");

	assert_null(p); /* not parsed: no policy, not even a degraded one */
}

static void test_syntax_error(void **state)
{
	struct nsiso_error err = {0};
	struct nsiso_policy *p = (struct nsiso_policy *)&err; /* must be reset to NULL */
	static const char text[] = "[global]\ntmp = off\nthis is not ini\n";

	assert_int_equal(nsiso_policy_load_buffer(NAME, text, strlen(text), &p, NULL, &err), -1);
	assert_null(p);
	assert_int_equal(err.kind, NSISO_ERR_POLICY);
	assert_string_equal(err.msg, NAME ":3: syntax error");
	/* The offending text is never echoed: config= may point at a secret file. */
	assert_null(strstr(err.msg, "this is not ini"));
	assert_null(strchr(err.msg, '\n'));

	/* iniparser's line-length limit, with its own message. */
	char *big = malloc(3000);
	assert_non_null(big);
	snprintf(big, 3000, "[global]\nhostname = %02000d\n", 1);
	nsiso_error_clear(&err);
	assert_int_equal(nsiso_policy_load_buffer(NAME, big, strlen(big), &p, NULL, &err), -1);
	assert_null(p);
	assert_string_equal(err.msg, NAME ":2: syntax error");
	free(big);
}

static void test_continuation_lines(void **state)
{
	struct nsiso_policy *p = load_ok("[global]\ntmp_dirs = /tmp, \\\n  /var/tmp\n"
					 "lifetime = boot\n");
	struct nsiso_user u = mkuser("bob", 1000, 1000, NULL, 0);
	struct nsiso_settings s;

	resolve_ok(p, &u, &s);
	assert_setting(&s, NSISO_KEY_TMP_DIRS, "/tmp,/var/tmp", "global");
	assert_setting(&s, NSISO_KEY_LIFETIME, "boot", "global");
	nsiso_settings_free(&s);
	nsiso_policy_free(p);

	/* Line numbers count physical lines. */
	expect_error("[global]\ntmp_dirs = /tmp, \\\n  /var/tmp\ntmp = x\n", NAME
		     ":4: [global] tmp: invalid value 'x' (expected tmpfs, persistent or off)");
	/* iniparser would silently drop a continued last line. */
	expect_error("[global]\ntmp = off \\", NAME ":2: continuation ('\\') on the last line");
}

static void test_too_large(void **state)
{
	size_t len = (1u << 20) + 1;
	char *big = malloc(len);

	assert_non_null(big);
	memset(big, '\n', len);
	nsiso_policy_free(
	    load_err_len(big, len, NAME ": file too large (more than 1048576 bytes)"));
	free(big);
}

/* ------------------------------------------------------------------ */
/* Precedence and resolution                                           */

static const char precedence_conf[] = "[user:bob]\n"
				      "tmp_size = 3G\n"
				      "[group:daemon]\n"
				      "tmp_size = 1G\n"
				      "lifetime = session\n"
				      "hostname = d-%u\n"
				      "[global]\n"
				      "tmp_size = 10%\n"
				      "lifetime = boot\n"
				      "from_set = stay\n"
				      "tmp = persistent\n"
				      "[group:root]\n"
				      "lifetime = processes\n"
				      "propagation = private\n"
				      "[group:nsiso-no-such-group]\n"
				      "tmp = off\n";

static void test_precedence(void **state)
{
	struct nsiso_policy *p = load_ok(precedence_conf);
	gid_t both[] = {0, 1};
	gid_t only_daemon[] = {1};
	struct nsiso_settings s;

	/* In daemon and root: root's section comes later in the file and wins lifetime. */
	struct nsiso_user bob = mkuser("bob", 1000, 1000, both, 2);
	resolve_ok(p, &bob, &s);
	assert_setting(&s, NSISO_KEY_TMP_SIZE, "3221225472", "user:bob");
	assert_setting(&s, NSISO_KEY_LIFETIME, "processes", "group:root");
	assert_setting(&s, NSISO_KEY_PROPAGATION, "private", "group:root");
	assert_setting(&s, NSISO_KEY_HOSTNAME, "d-%u", "group:daemon");
	assert_setting(&s, NSISO_KEY_FROM_SET, "stay", "global");
	assert_setting(&s, NSISO_KEY_TMP, "persistent", "global");
	assert_setting(&s, NSISO_KEY_NAMESPACES, "mnt,ipc,uts", "default");
	nsiso_settings_free(&s);

	/* Only daemon, via the primary gid; no user section. */
	struct nsiso_user carol = mkuser("carol", 1001, 1, only_daemon, 1);
	resolve_ok(p, &carol, &s);
	assert_setting(&s, NSISO_KEY_TMP_SIZE, "1073741824", "group:daemon");
	assert_setting(&s, NSISO_KEY_LIFETIME, "session", "group:daemon");
	assert_setting(&s, NSISO_KEY_PROPAGATION, "slave", "default");
	nsiso_settings_free(&s);

	/* Supplementary membership only. */
	struct nsiso_user dave = mkuser("dave", 1002, 1002, only_daemon, 1);
	resolve_ok(p, &dave, &s);
	assert_setting(&s, NSISO_KEY_LIFETIME, "session", "group:daemon");
	nsiso_settings_free(&s);

	/* No groups: global. */
	struct nsiso_user erin = mkuser("erin", 1003, 1003, NULL, 0);
	resolve_ok(p, &erin, &s);
	assert_setting(&s, NSISO_KEY_TMP_SIZE, "10%", "global");
	assert_setting(&s, NSISO_KEY_LIFETIME, "boot", "global");
	assert_setting(&s, NSISO_KEY_TMP, "persistent", "global");
	nsiso_settings_free(&s);
	nsiso_policy_free(p);
}

static void test_group_file_order(void **state)
{
	/* Same two groups, other file order: the other group wins. */
	struct nsiso_policy *p = load_ok("[group:root]\nlifetime = boot\n"
					 "[group:daemon]\nlifetime = session\n");
	gid_t both[] = {1, 0};
	struct nsiso_user u = mkuser("bob", 1000, 1000, both, 2);
	struct nsiso_settings s;

	resolve_ok(p, &u, &s);
	assert_setting(&s, NSISO_KEY_LIFETIME, "session", "group:daemon");
	nsiso_settings_free(&s);
	nsiso_policy_free(p);
}

/*
 * The group list is loaded only when a [group:] section has to be matched,
 * and then through NSS (root is in group root on every system).
 */
static void test_groups_loaded_on_demand(void **state)
{
	struct nsiso_policy *plain = load_ok("[global]\nlifetime = session\n");
	struct nsiso_policy *grouped = load_ok("[group:root]\nlifetime = boot\n");
	struct nsiso_error err = {0};
	struct nsiso_settings s;
	struct nsiso_user u;

	assert_int_equal(nsiso_user_lookup_passwd("root", &u, &err), 0);
	assert_int_equal(u.n_groups, -1);
	assert_false(nsiso_policy_exempt_uses_groups(grouped));
	resolve_ok(plain, &u, &s);
	assert_int_equal(u.n_groups, -1);
	nsiso_settings_free(&s);
	resolve_ok(grouped, &u, &s);
	assert_true(u.n_groups >= 1);
	assert_setting(&s, NSISO_KEY_LIFETIME, "boot", "group:root");
	nsiso_settings_free(&s);
	nsiso_user_free(&u);
	nsiso_policy_free(plain);
	nsiso_policy_free(grouped);
	plain = load_ok("[global]\nexempt_groups = wheel\n");
	assert_true(nsiso_policy_exempt_uses_groups(plain));
	nsiso_policy_free(plain);
}

static void test_upper_case_names(void **state)
{
	struct nsiso_policy *p = load_ok("[user:Alice]\nlifetime = boot\n"
					 "[group:Root]\ntmp = off\n"
					 "[group:sys]\ntmp = persistent\n");
	gid_t g[] = {0, 3};
	struct nsiso_settings s;

	struct nsiso_user big = mkuser("Alice", 1000, 1000, g, 1);
	resolve_ok(p, &big, &s);
	assert_setting(&s, NSISO_KEY_LIFETIME, "boot", "user:Alice");
	/* "Root" is not the group "root": no match. */
	assert_setting(&s, NSISO_KEY_TMP, "tmpfs", "default");
	nsiso_settings_free(&s);

	struct nsiso_user small = mkuser("alice", 1001, 1001, g, 2);
	resolve_ok(p, &small, &s);
	assert_setting(&s, NSISO_KEY_LIFETIME, "processes", "default");
	assert_setting(&s, NSISO_KEY_TMP, "persistent", "group:sys");
	nsiso_settings_free(&s);
	nsiso_policy_free(p);
}

/*
 * NSS here knows no group with upper-case letters, and a unit test cannot add
 * one: this binary's own getgrnam_r, which lib/policy_*.c (linked in statically)
 * calls, knows one more group, "Staff", and asks the C library about every
 * other name.
 */
#define STAFF_GID ((gid_t)424242)

int getgrnam_r(const char *name, struct group *grp, char *buf, size_t buflen, struct group **result)
{
	static char *no_members[] = {NULL};
	int (*real)(const char *, struct group *, char *, size_t, struct group **);

	*result = NULL;
	if (strcmp(name, "Staff") == 0) {
		if (buflen < sizeof("Staff"))
			return ERANGE;
		memcpy(buf, "Staff", sizeof("Staff"));
		*grp = (struct group){.gr_name = buf,
				      .gr_passwd = (char *)"x",
				      .gr_gid = STAFF_GID,
				      .gr_mem = no_members};
		*result = grp;
		return 0;
	}
	real = (int (*)(const char *, struct group *, char *, size_t, struct group **))dlsym(
	    RTLD_NEXT, "getgrnam_r");
	return real ? real(name, grp, buf, buflen, result) : ENOSYS;
}

/*
 * iniparser lower-cases section names, but [group:Staff] is the group "Staff"
 * (its name as written), not "staff".
 */
static void test_upper_case_group(void **state)
{
	struct nsiso_policy *upper = load_ok("[group:Staff]\ntmp = off\n");
	struct nsiso_policy *lower = load_ok("[group:staff]\ntmp = off\n");
	gid_t staff[] = {STAFF_GID};
	gid_t other[] = {0, 1};
	struct nsiso_settings s;

	/* Supplementary member of Staff. */
	struct nsiso_user carol = mkuser("carol", 1001, 1001, staff, 1);
	resolve_ok(upper, &carol, &s);
	assert_setting(&s, NSISO_KEY_TMP, "off", "group:Staff");
	nsiso_settings_free(&s);

	/* Staff as the primary group. */
	struct nsiso_user dave = mkuser("dave", 1002, STAFF_GID, NULL, 0);
	resolve_ok(upper, &dave, &s);
	assert_setting(&s, NSISO_KEY_TMP, "off", "group:Staff");
	nsiso_settings_free(&s);

	/* Not in Staff. */
	struct nsiso_user erin = mkuser("erin", 1003, 1003, other, 2);
	resolve_ok(upper, &erin, &s);
	assert_setting(&s, NSISO_KEY_TMP, "tmpfs", "default");
	nsiso_settings_free(&s);

	/* [group:staff] is another group (Debian's gid 50, or none): not Staff. */
	resolve_ok(lower, &carol, &s);
	assert_setting(&s, NSISO_KEY_TMP, "tmpfs", "default");
	nsiso_settings_free(&s);
	nsiso_policy_free(upper);
	nsiso_policy_free(lower);
}

static void test_settings_outlive_nothing(void **state)
{
	/* Settings strings are copies: freeing the settings leaves the policy intact. */
	struct nsiso_policy *p = load_ok("[global]\nhostname = %u\ntmp_dirs = /scratch\n");
	struct nsiso_user u = mkuser("bob", 1000, 1000, NULL, 0);
	struct nsiso_settings a, b;

	resolve_ok(p, &u, &a);
	nsiso_settings_free(&a);
	assert_null(a.hostname);
	assert_int_equal(a.n_tmp_dirs, 0);
	resolve_ok(p, &u, &b);
	assert_string_equal(b.hostname, "%u");
	assert_string_equal(b.tmp_dirs[0], "/scratch");
	assert_int_equal(b.n_tmp_dirs, 1);
	nsiso_settings_free(&b);
	nsiso_settings_free(NULL);
	nsiso_policy_free(p);
	nsiso_policy_free(NULL);
}

/* ------------------------------------------------------------------ */
/* Exemptions and degraded policies                                    */

static void test_exempt(void **state)
{
	struct nsiso_policy *p = load_ok("[global]\nexempt_users = alice, Bob\n"
					 "exempt_groups = nsiso-no-such-group daemon\n"
					 "on_error = allow\n");
	gid_t daemon_g[] = {1};
	struct nsiso_user alice = mkuser("alice", 1000, 1000, NULL, 0);
	struct nsiso_user bob = mkuser("bob", 1001, 1001, NULL, 0);
	struct nsiso_user big_bob = mkuser("Bob", 1002, 1002, NULL, 0);
	struct nsiso_user d = mkuser("dan", 1003, 1003, daemon_g, 1);
	struct nsiso_user root = mkuser("root", 0, 0, NULL, 0);
	const char *why;

	assert_true(nsiso_policy_exempt(p, &alice, &why));
	assert_string_equal(why, "exempt_users");
	assert_false(nsiso_policy_exempt(p, &bob, &why));
	assert_true(nsiso_policy_exempt(p, &big_bob, NULL));
	assert_true(nsiso_policy_exempt(p, &d, &why));
	assert_string_equal(why, "exempt_groups:daemon");
	/* A valid policy that does not list root does not exempt root. */
	assert_false(nsiso_policy_exempt(p, &root, &why));
	assert_int_equal(nsiso_policy_on_error(p), NSISO_ONERR_ALLOW);
	nsiso_policy_free(p);

	p = load_ok("[global]\nexempt_users =\n");
	assert_false(nsiso_policy_exempt(p, &root, NULL));
	nsiso_policy_free(p);
}

static void test_no_policy(void **state)
{
	struct nsiso_user root = mkuser("root", 0, 0, NULL, 0);
	struct nsiso_user bob = mkuser("bob", 1000, 1000, NULL, 0);
	struct nsiso_settings s;
	struct nsiso_error err = {0};
	const char *why;

	assert_true(nsiso_policy_exempt(NULL, &root, &why));
	assert_string_equal(why, "uid 0 without a trustworthy policy");
	assert_false(nsiso_policy_exempt(NULL, &bob, &why));
	/* Only uid 0 counts, not the name. */
	struct nsiso_user fake = mkuser("root", 1000, 1000, NULL, 0);
	assert_false(nsiso_policy_exempt(NULL, &fake, NULL));
	assert_int_equal(nsiso_policy_on_error(NULL), NSISO_ONERR_DENY);
	assert_true(nsiso_policy_degraded(NULL));
	assert_int_equal(nsiso_policy_resolve(NULL, &bob, &s, &err), -1);
}

static void test_degraded(void **state)
{
	/* The error comes before [global]: the valid [global] keys still count. */
	struct nsiso_policy *p = load_err("[user:x]\ntmp = bad\n[global]\n"
					  "exempt_users = alice\nexempt_groups = daemon\n"
					  "on_error = allow\n",
					  NULL);
	gid_t daemon_g[] = {1};
	struct nsiso_user root = mkuser("root", 0, 0, NULL, 0);
	struct nsiso_user alice = mkuser("alice", 1000, 1000, NULL, 0);
	struct nsiso_user d = mkuser("dan", 1003, 1003, daemon_g, 1);
	struct nsiso_user bob = mkuser("bob", 1001, 1001, NULL, 0);
	struct nsiso_error err = {0};
	struct nsiso_settings s;
	const char *why;

	assert_non_null(p);
	assert_true(nsiso_policy_exempt(p, &root, &why));
	assert_string_equal(why, "uid 0 with a broken policy");
	assert_true(nsiso_policy_exempt(p, &alice, &why));
	assert_string_equal(why, "exempt_users");
	assert_true(nsiso_policy_exempt(p, &d, &why));
	assert_string_equal(why, "exempt_groups:daemon");
	assert_false(nsiso_policy_exempt(p, &bob, NULL));
	assert_int_equal(nsiso_policy_on_error(p), NSISO_ONERR_ALLOW);
	assert_int_equal(nsiso_policy_resolve(p, &bob, &s, &err), -1);
	assert_int_equal(err.kind, NSISO_ERR_POLICY);
	nsiso_policy_free(p);

	/* Invalid [global] values are not honoured: defaults (deny, root) apply. */
	p = load_err("[global]\nexempt_users = a/b\non_error = maybe\n", NULL);
	assert_non_null(p);
	assert_int_equal(nsiso_policy_on_error(p), NSISO_ONERR_DENY);
	assert_false(nsiso_policy_exempt(p, &alice, NULL));
	assert_true(nsiso_policy_exempt(p, &root, NULL));
	nsiso_policy_free(p);

	/* uid 0 stays exempt even when [global] lists somebody else. */
	p = load_err("[global]\nexempt_users = alice\ntmp = x\n", NULL);
	assert_true(nsiso_policy_exempt(p, &root, NULL));
	assert_true(nsiso_policy_exempt(p, &alice, NULL));
	nsiso_policy_free(p);

	/* Global-only keys in the wrong section are not honoured either. */
	p = load_err("[global]\n[group:daemon]\non_error = allow\n", NULL);
	assert_int_equal(nsiso_policy_on_error(p), NSISO_ONERR_DENY);
	nsiso_policy_free(p);

	/* A duplicated key is ambiguous (iniparser kept the last): not honoured. */
	p = load_err("[global]\non_error = allow\non_error = allow\n", NULL);
	assert_int_equal(nsiso_policy_on_error(p), NSISO_ONERR_DENY);
	nsiso_policy_free(p);

	/* A rejected second [global] section contributes nothing. */
	p = load_err("[global]\n[global]\non_error = allow\n", NULL);
	assert_int_equal(nsiso_policy_on_error(p), NSISO_ONERR_DENY);
	nsiso_policy_free(p);
}

/* ------------------------------------------------------------------ */
/* Sizes and templates                                                 */

static void test_parse_size(void **state)
{
	static const struct {
		const char *in;
		bool percent;
		uint64_t value;
	} good[] = {
	    {"1", false, 1},
	    {"123", false, 123},
	    {"007", false, 7},
	    {"64K", false, 64ull << 10},
	    {"64k", false, 64ull << 10},
	    {"512M", false, 512ull << 20},
	    {"512m", false, 512ull << 20},
	    {"2G", false, 2ull << 30},
	    {"1T", false, 1ull << 40},
	    {"1t", false, 1ull << 40},
	    {"16777215T", false, 16777215ull << 40},
	    {"18446744073709551615", false, UINT64_MAX},
	    {"1%", true, 1},
	    {"25%", true, 25},
	    {"100%", true, 100},
	};
	static const char *const bad[] = {
	    "",
	    "0",
	    "0K",
	    "0%",
	    "101%",
	    "1000%",
	    "%",
	    "K",
	    "-1",
	    "+1",
	    " 1",
	    "1 ",
	    "1KB",
	    "1.5G",
	    "1P",
	    "1Q",
	    "12Q",
	    "1%%",
	    "1e3",
	    "0x10",
	    "16777216T",
	    "18446744073709551616",
	    "99999999999999999999999",
	    "17179869184G",
	};
	struct nsiso_size sz;

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		assert_int_equal(nsiso_parse_size(good[i].in, &sz), 0);
		assert_int_equal(sz.percent, good[i].percent);
		assert_true(sz.value == good[i].value);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (nsiso_parse_size(bad[i], &sz) != -1)
			fail_msg("size '%s' accepted", bad[i]);
	}
	assert_int_equal(nsiso_parse_size(NULL, &sz), -1);
}

static void test_format_size(void **state)
{
	struct nsiso_size b = {false, 2147483648ull}, pc = {true, 25}, max = {false, UINT64_MAX};
	char buf[32], tiny[4];

	nsiso_format_size(&b, buf, sizeof(buf));
	assert_string_equal(buf, "2147483648");
	nsiso_format_size(&pc, buf, sizeof(buf));
	assert_string_equal(buf, "25%");
	nsiso_format_size(&max, buf, sizeof(buf));
	assert_string_equal(buf, "18446744073709551615");
	nsiso_format_size(&b, tiny, sizeof(tiny));
	assert_string_equal(tiny, "214");
}

static void test_template_valid(void **state)
{
	static const char *const good[] = {"x",	 "%u",	  "%U",	       "%h",
					   "%%", "%u-%h", "box.%U%%x", "a b/c"};
	static const struct {
		const char *in;
		const char *why;
	} bad[] = {
	    {"", "empty template"},
	    {"%", "'%' at the end (use %% for a literal '%')"},
	    {"ab%", "'%' at the end (use %% for a literal '%')"},
	    {"%x", "unknown %-sequence (expected %u, %U, %h or %%)"},
	    {"%H", "unknown %-sequence (expected %u, %U, %h or %%)"},
	    {"%%%", "'%' at the end (use %% for a literal '%')"},
	    {"a%\x01", "unknown %-sequence (expected %u, %U, %h or %%)"},
	};
	const char *why;

	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		assert_int_equal(nsiso_template_valid(good[i], &why), 0);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		why = NULL;
		assert_int_equal(nsiso_template_valid(bad[i].in, &why), -1);
		assert_string_equal(why, bad[i].why);
	}
	assert_int_equal(nsiso_template_valid("%z", NULL), -1);
	assert_int_equal(nsiso_template_valid(NULL, &why), -1);
}

static void test_template_expand(void **state)
{
	static const struct {
		const char *tmpl, *user;
		uid_t uid;
		const char *host, *want;
	} cases[] = {
	    {"%u-%h", "alice", 1000, "node1.example.org", "alice-node1"},
	    {"%U", "alice", 4294967294u, "h", "4294967294"},
	    {"u%U.%h", "x", 0, "nodots", "u0.nodots"},
	    {"%%%u", "a", 1, "h", "-a"},			  /* '%' is not a hostname byte */
	    {"%u", "J\xc3\xb6rg O'Neil", 1, "h", "J--rg-O-Neil"}, /* sanitised */
	    {"%u", "a/b\n..", 1, "h", "a-b-.."},
	    {"x%hy", "a", 1, ".leadingdot", "xy"},
	    {"%u", "a", 1, NULL, "a"},
	    {"%h", "a", 1, NULL, NULL}, /* empty result */
	    {"%h", "a", 1, ".x", NULL},
	    {"%u", "", 1, "h", NULL},
	    {"%u", NULL, 1, "h", NULL},
	    {"%q", "a", 1, "h", NULL}, /* invalid template */
	    {"", "a", 1, "h", NULL},
	};
	char buf[128];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int r = nsiso_template_expand(cases[i].tmpl, cases[i].user, cases[i].uid,
					      cases[i].host, buf, sizeof(buf));
		if (!cases[i].want) {
			if (r != -1)
				fail_msg("case %zu: expected failure, got '%s'", i, buf);
			continue;
		}
		assert_int_equal(r, 0);
		assert_string_equal(buf, cases[i].want);
	}
}

static void test_template_cut(void **state)
{
	char user[201], buf[128], small[8];

	memset(user, 'a', 200);
	user[200] = '\0';
	assert_int_equal(nsiso_template_expand("%u-%h", user, 1, "host", buf, sizeof(buf)), 0);
	assert_int_equal(strlen(buf), 64);
	assert_int_equal(strspn(buf, "a"), 64);

	assert_int_equal(nsiso_template_expand("x%u", "abcdefghij", 1, "h", small, sizeof(small)),
			 0);
	assert_string_equal(small, "xabcdef");
	assert_int_equal(nsiso_template_expand("x", "a", 1, "h", small, 0), -1);
	assert_int_equal(nsiso_template_expand("%u", "a", 1, "h", small, 1), -1);
}

/* ------------------------------------------------------------------ */
/* nsiso_policy_load on real files                                     */

struct fsdir {
	char dir[64];
};

static int fs_setup(void **state)
{
	struct fsdir *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/root/nsiso-unit-XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path) == 0 ? 0 : -1;
}

static int fs_teardown(void **state)
{
	struct fsdir *f = *state;
	int r = nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);

	free(f);
	return r;
}

static void fs_path(const struct fsdir *f, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", f->dir, name);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(nsiso_write_all(fd, text, strlen(text)), 0);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/*
 * Load @path and expect failure with no policy and a message containing @what;
 * an unsafe file stops the load, so it is the list's only message.
 */
static void expect_unsafe(const char *path, const char *what)
{
	_cleanup_problems_ struct nsiso_problems all = {0};
	struct nsiso_error err = {0};
	struct nsiso_policy *p = (struct nsiso_policy *)&err;

	assert_int_equal(nsiso_policy_load(path, &p, &all, &err), -1);
	assert_null(p);
	assert_int_equal(err.kind, NSISO_ERR_POLICY);
	if (!strstr(err.msg, what))
		fail_msg("'%s' does not contain '%s'", err.msg, what);
	assert_int_equal(all.n, 1);
	assert_int_equal(all.more, 0);
	assert_string_equal(all.msg[0], err.msg);
}

static void test_load_good_file(void **state)
{
	struct fsdir *f = *state;
	struct nsiso_error err = {0};
	struct nsiso_policy *p = NULL;
	struct nsiso_user u = mkuser("bob", 1000, 1000, NULL, 0);
	struct nsiso_settings s;
	char path[128], msg[256];

	fs_path(f, "good.conf", path, sizeof(path));
	write_file(path, "[global]\nlifetime = session\n[user:bob]\ntmp = off\n", 0644);
	assert_int_equal(nsiso_policy_load(path, &p, NULL, &err), 0);
	resolve_ok(p, &u, &s);
	assert_setting(&s, NSISO_KEY_LIFETIME, "session", "global");
	assert_setting(&s, NSISO_KEY_TMP, "off", "user:bob");
	nsiso_settings_free(&s);
	nsiso_policy_free(p);

	/* Errors name the real path; a trusted but invalid file gives a degraded policy. */
	write_file(path, "[global]\nexempt_users = bob\n[user:bob]\ntmp = of\n", 0600);
	p = NULL;
	assert_int_equal(nsiso_policy_load(path, &p, NULL, &err), -1);
	snprintf(msg, sizeof(msg),
		 "%s:4: [user:bob] tmp: invalid value 'of' (expected tmpfs, persistent or off)",
		 path);
	assert_string_equal(err.msg, msg);
	assert_non_null(p);
	assert_true(nsiso_policy_degraded(p));
	assert_true(nsiso_policy_exempt(p, &u, NULL));
	nsiso_policy_free(p);

	/* Syntax errors name the real path too, not /proc/self/fd. */
	write_file(path, "[global]\nbroken\n", 0600);
	nsiso_error_clear(&err);
	assert_int_equal(nsiso_policy_load(path, &p, NULL, &err), -1);
	assert_null(p);
	snprintf(msg, sizeof(msg), "%s:2: syntax error", path);
	assert_string_equal(err.msg, msg);

	/* Redundant slashes are fine. */
	snprintf(msg, sizeof(msg), "/%s//good.conf", f->dir);
	write_file(path, "", 0400);
	nsiso_error_clear(&err);
	assert_int_equal(nsiso_policy_load(msg, &p, NULL, &err), 0);
	nsiso_policy_free(p);
}

static void test_load_unsafe_files(void **state)
{
	struct fsdir *f = *state;
	char path[128], other[128];

	fs_path(f, "gw.conf", path, sizeof(path));
	write_file(path, "[global]\n", 0664);
	expect_unsafe(path, "the file is group or world writable (mode 0664)");
	write_file(path, "[global]\n", 0646);
	expect_unsafe(path, "the file is group or world writable (mode 0646)");

	fs_path(f, "uid1.conf", path, sizeof(path));
	write_file(path, "[global]\n", 0644);
	assert_int_equal(chown(path, 1, 0), 0);
	expect_unsafe(path, "the file is owned by uid 1, not root");

	fs_path(f, "link.conf", path, sizeof(path));
	fs_path(f, "good2.conf", other, sizeof(other));
	write_file(other, "[global]\n", 0644);
	assert_int_equal(symlink(other, path), 0);
	expect_unsafe(path, "is a symbolic link");

	fs_path(f, "fifo.conf", path, sizeof(path));
	assert_int_equal(mkfifo(path, 0644), 0);
	expect_unsafe(path, "not a regular file"); /* and does not hang */

	fs_path(f, "dir.conf", path, sizeof(path));
	assert_int_equal(mkdir(path, 0755), 0);
	expect_unsafe(path, "not a regular file");

	fs_path(f, "missing.conf", path, sizeof(path));
	expect_unsafe(path, "cannot open the file: No such file or directory");

	expect_unsafe("relative/nsiso.conf", "not an absolute path");
	expect_unsafe("/etc/../etc/passwd", "'.' and '..' are not allowed");
	expect_unsafe("/etc/security/", "not a file name");
	expect_unsafe("/", "not a file name");
}

static void test_load_big_file(void **state)
{
	struct fsdir *f = *state;
	char path[128];
	int fd;

	fs_path(f, "big.conf", path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (1 << 20) + 1), 0);
	close(fd);
	expect_unsafe(path, "file too large");
}

static void test_load_unsafe_dirs(void **state)
{
	struct fsdir *f = *state;
	char dir[128], path[192], link[128];

	/* World-writable, even with the sticky bit like /tmp. */
	fs_path(f, "ww", dir, sizeof(dir));
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(chmod(dir, 01777), 0);
	snprintf(path, sizeof(path), "%s/nsiso.conf", dir);
	write_file(path, "[global]\n", 0644);
	expect_unsafe(path, "directory is group or world writable (mode 1777)");

	fs_path(f, "gw", dir, sizeof(dir));
	assert_int_equal(mkdir(dir, 0775), 0);
	assert_int_equal(chmod(dir, 0775), 0);
	snprintf(path, sizeof(path), "%s/nsiso.conf", dir);
	write_file(path, "[global]\n", 0644);
	expect_unsafe(path, "directory is group or world writable (mode 0775)");

	fs_path(f, "notroot", dir, sizeof(dir));
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(chown(dir, 1, 1), 0);
	snprintf(path, sizeof(path), "%s/nsiso.conf", dir);
	write_file(path, "[global]\n", 0644);
	expect_unsafe(path, "notroot: directory is owned by uid 1, not root");

	/* A symlinked directory on the way. */
	fs_path(f, "real", dir, sizeof(dir));
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/nsiso.conf", dir);
	write_file(path, "[global]\n", 0644);
	fs_path(f, "linkdir", link, sizeof(link));
	assert_int_equal(symlink(dir, link), 0);
	snprintf(path, sizeof(path), "%s/nsiso.conf", link);
	expect_unsafe(path, "linkdir: is a symbolic link");

	/* World-writable /var/tmp is refused as a parent. */
	expect_unsafe("/var/tmp/nsiso-unit-none/nsiso.conf", "/var/tmp: directory is group or "
							     "world writable");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_comments_and_blank_lines),
	    cmocka_unit_test(test_valid_values),
	    cmocka_unit_test(test_invalid_values),
	    cmocka_unit_test(test_value_escaped_and_bounded),
	    cmocka_unit_test(test_key_names),
	    cmocka_unit_test(test_net_settings),
	    cmocka_unit_test(test_example_config),
	    cmocka_unit_test(test_structure_errors),
	    cmocka_unit_test(test_global_only_keys),
	    cmocka_unit_test(test_init_hook_settings),
	    cmocka_unit_test(test_duplicates),
	    cmocka_unit_test(test_first_error_wins),
	    cmocka_unit_test(test_all_problems),
	    cmocka_unit_test(test_problems_no_echo),
	    cmocka_unit_test(test_problems_capped),
	    cmocka_unit_test(test_problems_fatal),
	    cmocka_unit_test(test_whole_file_validated),
	    cmocka_unit_test(test_nul_byte),
	    cmocka_unit_test(test_syntax_error),
	    cmocka_unit_test(test_continuation_lines),
	    cmocka_unit_test(test_too_large),
	    cmocka_unit_test(test_precedence),
	    cmocka_unit_test(test_group_file_order),
	    cmocka_unit_test(test_groups_loaded_on_demand),
	    cmocka_unit_test(test_upper_case_names),
	    cmocka_unit_test(test_upper_case_group),
	    cmocka_unit_test(test_settings_outlive_nothing),
	    cmocka_unit_test(test_exempt),
	    cmocka_unit_test(test_no_policy),
	    cmocka_unit_test(test_degraded),
	    cmocka_unit_test(test_parse_size),
	    cmocka_unit_test(test_format_size),
	    cmocka_unit_test(test_template_valid),
	    cmocka_unit_test(test_template_expand),
	    cmocka_unit_test(test_template_cut),
	    cmocka_unit_test_setup_teardown(test_load_good_file, fs_setup, fs_teardown),
	    cmocka_unit_test_setup_teardown(test_load_unsafe_files, fs_setup, fs_teardown),
	    cmocka_unit_test_setup_teardown(test_load_big_file, fs_setup, fs_teardown),
	    cmocka_unit_test_setup_teardown(test_load_unsafe_dirs, fs_setup, fs_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
