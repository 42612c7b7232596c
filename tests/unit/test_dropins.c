/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the policy's drop-ins (lib/policy_*.c): the merge rule (a
 * later file replaces a key, a section keeps the place of its first
 * appearance, [global]-only keys replace too), problems naming the file they
 * are in, a drop-in that cannot be used degrading the policy, the bounds;
 * and on real files: the directory's name, byte order, ignored names, the
 * trust checks of the directory and of each drop-in.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "policy.h"
#include "user.h"
#include "util.h"

#include "pcache_check.h"

#define MAIN "/e/nsiso.conf"
#define D1   "/e/nsiso.d/10-one.conf"
#define D2   "/e/nsiso.d/20-two.conf"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static gid_t no_groups[1];

static struct nsiso_user mkuser(const char *name, uid_t uid, gid_t *groups, int n)
{
	return (struct nsiso_user){.name = (char *)name,
				   .uid = uid,
				   .gid = uid,
				   .groups = n ? groups : no_groups,
				   .n_groups = n};
}

/* Files from "path", "text" pairs (NULL-terminated); a text of NULL is a file with @problem. */
static void build(struct nsiso_policy_files *f, const char *const *pairs, const char *problem)
{
	*f = (struct nsiso_policy_files){0};
	for (size_t i = 0; pairs[i]; i += 2) {
		const char *t = pairs[i + 1];
		assert_int_equal(
		    nsiso_policy_files_add(f, pairs[i], t, t ? strlen(t) : 0, t ? NULL : problem),
		    0);
	}
}

static int load_pairs(const char *const *pairs, const char *problem, struct nsiso_policy **p,
		      struct nsiso_problems *all, struct nsiso_error *err)
{
	_cleanup_policy_files_ struct nsiso_policy_files f = {0};

	build(&f, pairs, problem);
	return nsiso_policy_load_files(&f, p, all, err);
}

#define FILES(...) ((const char *const[]){__VA_ARGS__, NULL})

/* A valid policy of several files; it also goes through the policy cache's round trip. */
static struct nsiso_policy *load_ok(const char *const *pairs)
{
	_cleanup_problems_ struct nsiso_problems all = {0};
	struct nsiso_error err = {0};
	struct nsiso_policy *p = NULL;
	int r = load_pairs(pairs, NULL, &p, &all, &err);

	if (r != 0)
		fail_msg("unexpected error: %s", err.msg);
	assert_non_null(p);
	assert_false(nsiso_policy_degraded(p));
	assert_int_equal(all.n, 0);
	pcache_check_roundtrip(pairs[1], strlen(pairs[1]), p);
	return p;
}

/*
 * A broken policy of several files: the error is @msg (when not NULL), as a
 * login gets it, and the list of nsisoctl check starts with it. Returns the
 * (maybe degraded) policy; *@all gets the list.
 */
static struct nsiso_policy *load_bad(const char *const *pairs, const char *problem, const char *msg,
				     struct nsiso_problems *all)
{
	struct nsiso_error err = {0}, err_all = {0};
	struct nsiso_policy *p = NULL, *p_all = NULL;

	assert_int_equal(load_pairs(pairs, problem, &p, NULL, &err), -1);
	assert_int_equal(err.kind, NSISO_ERR_POLICY);
	if (msg)
		assert_string_equal(err.msg, msg);
	if (p)
		assert_true(nsiso_policy_degraded(p));
	assert_int_equal(load_pairs(pairs, problem, &p_all, all, &err_all), -1);
	assert_string_equal(err_all.msg, err.msg);
	assert_int_equal(p_all != NULL, p != NULL);
	nsiso_policy_free(p_all);
	assert_true(all->n >= 1);
	assert_string_equal(all->msg[0], err.msg);
	return p;
}

static void resolve_ok(const struct nsiso_policy *p, struct nsiso_user *u, struct nsiso_settings *s)
{
	struct nsiso_error err = {0};

	if (nsiso_policy_resolve(p, u, s, &err) != 0)
		fail_msg("unexpected error: %s", err.msg);
}

/* Key @k was decided by @file:@line [@sec]; @file NULL: the built-in default. */
static void assert_source(const struct nsiso_settings *s, enum nsiso_key k, const char *file,
			  unsigned line, const char *sec)
{
	if (!file) {
		assert_null(s->source_file[k]);
		assert_int_equal(s->source_line[k], 0);
		assert_string_equal(s->source[k], "default");
		return;
	}
	assert_non_null(s->source_file[k]);
	assert_string_equal(s->source_file[k], file);
	assert_int_equal(s->source_line[k], line);
	assert_string_equal(s->source[k], sec);
}

static char *size_str(const struct nsiso_settings *s, char *buf, size_t len)
{
	nsiso_format_size(&s->tmp_size, buf, len);
	return buf;
}

/* ------------------------------------------------------------------ */
/* The merge rule                                                      */

static void test_merge_per_key(void **state)
{
	gid_t root_g[] = {0};
	struct nsiso_user in = mkuser("bob", 1000, root_g, 1), out = mkuser("eve", 1001, NULL, 0);
	struct nsiso_settings s;
	char sz[32];
	struct nsiso_policy *p = load_ok(FILES(MAIN,
					       "[global]\n"
					       "tmp_size = 2G\n"
					       "lifetime = session\n"
					       "[group:root]\n"
					       "tmp = off\n"
					       "hostname = main-%u\n",
					       D1,
					       "[global]\n"
					       "tmp_size = 4G\n"
					       "[group:root]\n"
					       "lifetime = boot\n"));

	resolve_ok(p, &in, &s);
	/* The drop-in replaced [global] tmp_size; the other [global] key stands. */
	assert_string_equal(size_str(&s, sz, sizeof(sz)), "4294967296");
	assert_source(&s, NSISO_KEY_TMP_SIZE, D1, 2, "global");
	/* It added a key to the main file's [group:root], which keeps its own keys. */
	assert_int_equal(s.lifetime, NSISO_LIFE_BOOT);
	assert_source(&s, NSISO_KEY_LIFETIME, D1, 4, "group:root");
	assert_int_equal(s.tmp, NSISO_TMP_OFF);
	assert_source(&s, NSISO_KEY_TMP, MAIN, 5, "group:root");
	assert_string_equal(s.hostname, "main-%u");
	assert_source(&s, NSISO_KEY_HOSTNAME, MAIN, 6, "group:root");
	assert_source(&s, NSISO_KEY_NAMESPACES, NULL, 0, NULL);
	nsiso_settings_free(&s);

	resolve_ok(p, &out, &s);
	assert_int_equal(s.lifetime, NSISO_LIFE_SESSION);
	assert_source(&s, NSISO_KEY_LIFETIME, MAIN, 3, "global");
	assert_int_equal(s.tmp, NSISO_TMP_TMPFS);
	nsiso_settings_free(&s);
	nsiso_policy_free(p);
}

static void test_later_file_wins(void **state)
{
	struct nsiso_user u = mkuser("bob", 1000, NULL, 0);
	struct nsiso_settings s;
	char sz[32];
	struct nsiso_policy *p =
	    load_ok(FILES(MAIN, "[global]\ntmp_size = 1G\n", D1, "\n[global]\ntmp_size = 2G\n", D2,
			  "[user:bob]\n[global]\n\ntmp_size = 3G\n"));

	resolve_ok(p, &u, &s);
	assert_string_equal(size_str(&s, sz, sizeof(sz)), "3221225472");
	assert_source(&s, NSISO_KEY_TMP_SIZE, D2, 4, "global");
	nsiso_settings_free(&s);
	nsiso_policy_free(p);

	/* The main file alone, a drop-in that only has comments: nothing changes. */
	p = load_ok(FILES(MAIN, "[global]\ntmp_size = 1G\n", D1, "# nothing yet\n", D2, ""));
	resolve_ok(p, &u, &s);
	assert_source(&s, NSISO_KEY_TMP_SIZE, MAIN, 2, "global");
	nsiso_settings_free(&s);
	nsiso_policy_free(p);
}

/*
 * A group: section's place in the precedence is where it first appears: a
 * drop-in that gives a key to an existing group does not move it past a
 * later group of the main file; a group that only a drop-in has comes after
 * all of the main file's.
 */
static void test_group_order_first_appearance(void **state)
{
	gid_t all3[] = {0, 1, 2}; /* root, daemon, bin */
	struct nsiso_user u = mkuser("bob", 1000, all3, 2);
	struct nsiso_settings s;
	struct nsiso_policy *p = load_ok(FILES(MAIN,
					       "[group:root]\nlifetime = boot\n"
					       "[group:daemon]\nlifetime = session\n",
					       D1, "[group:root]\nlifetime = processes\n"));

	resolve_ok(p, &u, &s);
	assert_int_equal(s.lifetime, NSISO_LIFE_SESSION);
	assert_source(&s, NSISO_KEY_LIFETIME, MAIN, 4, "group:daemon");
	nsiso_settings_free(&s);
	nsiso_policy_free(p);

	p = load_ok(FILES(MAIN,
			  "[group:root]\nlifetime = boot\n[group:daemon]\nlifetime = session\n", D1,
			  "[group:bin]\nlifetime = processes\n"));
	u.n_groups = 3;
	resolve_ok(p, &u, &s);
	assert_int_equal(s.lifetime, NSISO_LIFE_PROCESSES);
	assert_source(&s, NSISO_KEY_LIFETIME, D1, 2, "group:bin");
	nsiso_settings_free(&s);
	/* The user's section still beats every group, in whichever file it is. */
	nsiso_policy_free(p);
	p = load_ok(FILES(MAIN, "[user:bob]\nlifetime = boot\n", D1,
			  "[group:bin]\nlifetime = processes\n"));
	resolve_ok(p, &u, &s);
	assert_source(&s, NSISO_KEY_LIFETIME, MAIN, 2, "user:bob");
	nsiso_settings_free(&s);
	nsiso_policy_free(p);
}

/* exempt_users, exempt_groups and on_error replace like any key: lists do not add up. */
static void test_global_only_keys_replace(void **state)
{
	gid_t daemon_g[] = {1};
	struct nsiso_user root = mkuser("root", 0, NULL, 0), ops = mkuser("ops", 1000, NULL, 0),
			  carol = mkuser("carol", 1001, NULL, 0),
			  dan = mkuser("dan", 1002, daemon_g, 1);
	struct nsiso_settings s;
	_cleanup_problems_ struct nsiso_problems all = {0};
	struct nsiso_policy *p = load_ok(FILES(MAIN,
					       "[global]\nexempt_users = root, ops\n"
					       "exempt_groups = daemon\non_error = allow\n",
					       D1, "[global]\nexempt_users = carol\n"));
	const char *why = NULL;

	assert_true(nsiso_policy_exempt(p, &carol, &why));
	assert_string_equal(why, "exempt_users");
	assert_false(nsiso_policy_exempt(p, &ops, NULL));
	assert_false(nsiso_policy_exempt(p, &root, NULL)); /* as with a one-file policy */
	assert_true(nsiso_policy_exempt(p, &dan, &why));
	assert_string_equal(why, "exempt_groups:daemon");
	assert_int_equal(nsiso_policy_on_error(p), NSISO_ONERR_ALLOW);
	resolve_ok(p, &ops, &s);
	assert_source(&s, NSISO_KEY_ON_ERROR, MAIN, 4, "global");
	nsiso_settings_free(&s);
	nsiso_policy_free(p);

	/* [global] only, in a drop-in as in the main file. */
	p = load_bad(FILES(MAIN, "[global]\n", D1, "[group:daemon]\non_error = allow\n"), NULL,
		     D1 ":2: [group:daemon] on_error: only allowed in [global]", &all);
	nsiso_policy_free(p);
}

/* ------------------------------------------------------------------ */
/* Problems name their file                                            */

static void test_problems_name_their_file(void **state)
{
	_cleanup_problems_ struct nsiso_problems all = {0};
	struct nsiso_policy *p;

	/* A key given twice in one drop-in stays an error, whatever the main file says. */
	p = load_bad(FILES(MAIN, "[global]\ntmp = off\n", D1, "[global]\ntmp = off\ntmp = tmpfs\n"),
		     NULL, D1 ":3: [global] tmp: duplicate key (first at line 2)", &all);
	nsiso_policy_free(p);
	nsiso_problems_free(&all);
	/* A drop-in starts outside any section, whatever section the main file ended in. */
	p = load_bad(FILES(MAIN, "[global]\n", D1, "tmp = off\n"), NULL,
		     D1 ":1: tmp: key outside any section (add [global])", &all);
	nsiso_policy_free(p);
	nsiso_problems_free(&all);
	p = load_bad(FILES(MAIN, "[global]\n", D1, "[global]\nlifetime = forever\n"), NULL,
		     D1 ":2: [global] lifetime: invalid value 'forever' (expected processes, "
			"session or boot)",
		     &all);
	nsiso_policy_free(p);
	nsiso_problems_free(&all);
	/* Two spellings of one section name, in two files. */
	p = load_bad(
	    FILES(MAIN, "[global]\n[user:Bob]\ntmp = off\n", D1, "[user:bob]\ntmp = off\n"), NULL,
	    D1 ":1: [user:bob]: same section as [user:Bob] at " MAIN
	       ":2 (section names are compared without case)",
	    &all);
	nsiso_policy_free(p);
	nsiso_problems_free(&all);
	/* Every problem of every file, in file order: the first is what a login logs. */
	p = load_bad(FILES(MAIN, "[global]\nfrob = 1\n", D1, "[global]\nfrob = 2\n", D2,
			   "[global]\nnamespaces = mnt, net\nnet = hook\n"),
		     NULL, MAIN ":2: [global] frob: unknown key", &all);
	assert_int_equal(all.n, 3);
	assert_string_equal(all.msg[1], D1 ":2: [global] frob: unknown key");
	assert_string_equal(all.msg[2],
			    D2 ":3: [global] net: net = hook needs net_hook, which is not set");
	nsiso_policy_free(p);
	nsiso_problems_free(&all);
	/* ... and the check across keys sees the merged section: net_hook from another file. */
	nsiso_policy_free(load_ok(FILES(MAIN, "[global]\nnet_hook = /usr/sbin/h\n", D1,
					"[global]\nnamespaces = mnt, net\nnet = hook\n")));
}

/*
 * A drop-in that cannot be parsed (or read, or trusted) contributes
 * nothing: the policy is degraded, the problem names that file, and the
 * other files' [global] keys answer as for a broken one-file policy.
 */
static void test_unusable_dropin_degrades(void **state)
{
	static const char main_text[] = "[global]\nexempt_users = root, ops\non_error = allow\n";
	static const char nul[] = "[global]\nexempt_users = \0bob\n";
	static const char *const cases[][2] = {
	    {"[global]\nbroken line\n", D1 ":2: syntax error"},
	    {NULL, D1 ": the file is group or world writable (mode 0664)"},
	};
	struct nsiso_user ops = mkuser("ops", 1000, NULL, 0), bob = mkuser("bob", 1001, NULL, 0),
			  carol = mkuser("carol", 1002, NULL, 0);
	_cleanup_problems_ struct nsiso_problems all = {0};
	_cleanup_policy_files_ struct nsiso_policy_files f = {0};
	struct nsiso_error err = {0};
	struct nsiso_policy *p;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		p = load_bad(FILES(MAIN, main_text, D1, cases[i][0], D2,
				   "[global]\nexempt_users = root, ops, carol\n"),
			     cases[i][1], cases[i][1], &all);
		assert_non_null(p);
		/* Only that file is left out: the one after it still counts (carol). */
		assert_true(nsiso_policy_exempt(p, &ops, NULL));
		assert_true(nsiso_policy_exempt(p, &carol, NULL));
		assert_false(nsiso_policy_exempt(p, &bob, NULL));
		assert_int_equal(nsiso_policy_on_error(p), NSISO_ONERR_ALLOW);
		assert_int_equal(all.n, 1);
		nsiso_policy_free(p);
		nsiso_problems_free(&all);
	}
	/* A NUL byte (which a C string of the pairs cannot hold). */
	assert_int_equal(nsiso_policy_files_add(&f, MAIN, main_text, strlen(main_text), NULL), 0);
	assert_int_equal(nsiso_policy_files_add(&f, D1, nul, sizeof(nul) - 1, NULL), 0);
	assert_int_equal(nsiso_policy_load_files(&f, &p, NULL, &err), -1);
	assert_string_equal(err.msg, D1 ":2: NUL byte in the file");
	assert_non_null(p);
	assert_true(nsiso_policy_exempt(p, &ops, NULL));
	assert_false(nsiso_policy_exempt(p, &bob, NULL));
	nsiso_policy_free(p);
}

/* A rejected value in a later file: the earlier file's value does not stand either. */
static void test_rejected_value_forgets_earlier(void **state)
{
	struct nsiso_user ops = mkuser("ops", 1000, NULL, 0), root = mkuser("root", 0, NULL, 0);
	_cleanup_problems_ struct nsiso_problems all = {0};
	struct nsiso_policy *p =
	    load_bad(FILES(MAIN, "[global]\nexempt_users = root, ops\non_error = allow\n", D1,
			   "[global]\nexempt_users = o/ps\non_error = maybe\n"),
		     NULL, D1 ":2: [global] exempt_users: invalid name 'o/ps'", &all);

	assert_false(nsiso_policy_exempt(p, &ops, NULL));
	assert_true(nsiso_policy_exempt(p, &root, NULL));
	assert_int_equal(nsiso_policy_on_error(p), NSISO_ONERR_DENY);
	nsiso_policy_free(p);
	nsiso_problems_free(&all);
	/* ... and a later valid value is the last word again. */
	p = load_bad(FILES(MAIN, "[global]\nexempt_users = o/ps\nfrob = 1\n", D1,
			   "[global]\nexempt_users = root, ops\n"),
		     NULL, NULL, &all);
	assert_true(nsiso_policy_exempt(p, &ops, NULL));
	nsiso_policy_free(p);
}

/* A main file that cannot be parsed leaves no policy at all, whatever the drop-ins say. */
static void test_broken_main_file(void **state)
{
	_cleanup_problems_ struct nsiso_problems all = {0};
	struct nsiso_policy *p = load_bad(
	    FILES(MAIN, "[global]\nbroken\n", D1, "[global]\non_error = allow\nfrob = 1\n"), NULL,
	    MAIN ":2: syntax error", &all);

	assert_null(p);
	assert_int_equal(all.n, 1);
}

/* The sections of all files together are bounded like one file's; merged ones count once. */
static void test_sections_cap_across_files(void **state)
{
	size_t cap = 64 + NSISO_MAX_SECTIONS * 24, used = 0;
	_cleanup_free_ char *big = malloc(cap);
	_cleanup_problems_ struct nsiso_problems all = {0};
	struct nsiso_policy *p;
	char msg[256];

	assert_non_null(big);
	for (int i = 0; i < NSISO_MAX_SECTIONS; i++)
		used += (size_t)snprintf(big + used, cap - used, "[user:u%d]\n", i);
	p = load_ok(FILES(MAIN, big, D1, "[user:u0]\ntmp = off\n[user:u4095]\ntmp = off\n"));
	nsiso_policy_free(p);
	snprintf(msg, sizeof(msg),
		 D1 ":3: [user:new]: too many sections in the policy files together (at most %d)",
		 NSISO_MAX_SECTIONS);
	p = load_bad(FILES(MAIN, big, D1, "[user:u0]\ntmp = off\n[user:new]\ntmp = off\n"), NULL,
		     msg, &all);
	nsiso_policy_free(p);
}

/* "# [section]" and "# key = value" lines of @text uncommented; prose stays a comment. */
static char *uncomment(char *text, size_t len)
{
	char *out = calloc(1, len + 2), *save = NULL;
	size_t used = 0;

	assert_non_null(out);
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *eq = strstr(line, " = ");
		bool key =
		    strncmp(line, "# ", 2) == 0 && eq &&
		    strspn(line + 2, "abcdefghijklmnopqrstuvwxyz_") == (size_t)(eq - line - 2);

		used += (size_t)snprintf(out + used, len + 2 - used, "%s\n",
					 strncmp(line, "# [", 3) == 0 || key ? line + 2 : line);
	}
	return out;
}

/*
 * The shipped example drop-in: as shipped it changes nothing; with its
 * commented section and keys uncommented it is valid, and its keys apply
 * (to bob, its section renamed [user:bob]: the group may not exist here).
 */
static void test_example_dropin(void **state)
{
	static const char path[] = "config/nsiso.d/50-students.conf";
	_cleanup_free_ char *buf = NULL, *active = NULL;
	struct nsiso_user u = mkuser("bob", 1000, NULL, 0);
	struct nsiso_settings s;
	struct nsiso_policy *p;
	size_t len = 0;
	char sz[32], *sec;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		fail_msg("cannot open %s (run from the source tree): %s", path, strerror(errno));
	assert_int_equal(nsiso_read_fd(fd, 1u << 20, &buf, &len), 0);
	close(fd);
	p = load_ok(FILES(MAIN, "[global]\n", D1, buf));
	resolve_ok(p, &u, &s);
	for (int k = 0; k < NSISO_KEY__MAX; k++)
		assert_null(s.source_file[k]);
	nsiso_settings_free(&s);
	nsiso_policy_free(p);

	active = uncomment(buf, len);
	assert_non_null(sec = strstr(active, "[group:students]\n"));
	memcpy(sec, "[user:bob]\n     ", 16); /* same length: blanks after the header */
	p = load_ok(FILES(MAIN, "[global]\n", D1, active));
	resolve_ok(p, &u, &s);
	assert_string_equal(size_str(&s, sz, sizeof(sz)), "536870912");
	assert_int_equal(s.lifetime, NSISO_LIFE_SESSION);
	assert_string_equal(s.hostname, "%h-%u");
	assert_string_equal(s.source_file[NSISO_KEY_TMP_SIZE], D1);
	assert_string_equal(s.source[NSISO_KEY_TMP_SIZE], "user:bob");
	nsiso_settings_free(&s);
	nsiso_policy_free(p);
}

/* ------------------------------------------------------------------ */
/* Real files                                                          */

struct fsdir {
	char dir[64];	 /* root 0755, holds the main file */
	char conf[96];	 /* DIR/nsiso.conf */
	char dropin[96]; /* DIR/nsiso.d */
};

static int fs_setup(void **state)
{
	struct fsdir *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/root/nsiso-unit-d-XXXXXX");
	if (!mkdtemp(f->dir) || chmod(f->dir, 0755) < 0) {
		free(f);
		return -1;
	}
	snprintf(f->conf, sizeof(f->conf), "%s/nsiso.conf", f->dir);
	snprintf(f->dropin, sizeof(f->dropin), "%s/nsiso.d", f->dir);
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

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(nsiso_write_all(fd, text, strlen(text)), 0);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* DROPIN/@name with @text, root 0644. */
static void dropin(const struct fsdir *f, const char *name, const char *text)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", f->dropin, name);
	write_file(path, text, 0644);
}

static void dropin_path(const struct fsdir *f, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", f->dropin, name);
}

static void test_dropin_dir_name(void **state)
{
	static const char *const cases[][2] = {
	    {"/etc/security/nsiso.conf", "/etc/security/nsiso.d"},
	    {"/some/dir/x.conf", "/some/dir/x.d"},
	    {"/some/dir/policy", "/some/dir/policy.d"},
	    {"/some/dir/a.conf.conf", "/some/dir/a.conf.d"},
	    {"/some/dir/.conf", "/some/dir/.conf.d"},
	    {"/some/x.conf/p.ini", "/some/x.conf/p.ini.d"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *d = nsiso_policy_dropin_dir(cases[i][0]);
		assert_string_equal(d, cases[i][1]);
	}
}

/* Read f->conf: 0 or -1 as nsiso_policy_read_files() says. */
static int read_all(const struct fsdir *f, struct nsiso_policy_files *files)
{
	struct nsiso_error err = {0};
	int r = nsiso_policy_read_files(f->conf, files, &err);

	if (r < 0)
		print_message("read_files: %s\n", err.msg);
	return r;
}

/* Byte order of names, editor and package leftovers ignored, hidden names not even listed. */
static void test_read_order_and_ignored(void **state)
{
	static const char *const order[] = {"10-a.conf", "9-b.conf", "A.conf",
					    "_x.conf",	 "a.conf",   "b.conf"};
	static const char *const ignored[] = {"#a.conf#", "README", "a.conf.dpkg-old", "a.conf~",
					      "x.CONF"};
	static const char *const creation[] = {"b.conf", "a.conf",   "_x.conf",
					       "A.conf", "9-b.conf", "10-a.conf"};
	struct fsdir *f = *state;
	_cleanup_policy_files_ struct nsiso_policy_files files = {0};
	struct nsiso_user u = mkuser("bob", 1000, NULL, 0);
	struct nsiso_error err = {0};
	struct nsiso_policy *p = NULL;
	struct nsiso_settings s;
	char path[192], text[64];

	write_file(f->conf, "[global]\nhostname = main\n", 0644);
	assert_int_equal(mkdir(f->dropin, 0755), 0);
	for (size_t i = 0; i < ARRAY_SIZE(creation); i++) {
		snprintf(text, sizeof(text), "[global]\nhostname = %.*s\n",
			 (int)strcspn(creation[i], "."), creation[i]);
		dropin(f, creation[i], text);
	}
	for (size_t i = 0; i < ARRAY_SIZE(ignored); i++)
		dropin(f, ignored[i], "garbage, not INI\n");
	dropin(f, ".hidden.conf", "garbage\n");
	dropin(f, ".a.conf.swp", "garbage\n");
	assert_int_equal(read_all(f, &files), 0);
	assert_true(nsiso_policy_files_ok(&files));
	assert_false(files.dropin_dir_missing);
	assert_string_equal(files.dropin_dir, f->dropin);
	assert_int_equal(files.n, 1 + ARRAY_SIZE(order));
	assert_string_equal(files.v[0].path, f->conf);
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		dropin_path(f, order[i], path, sizeof(path));
		assert_string_equal(files.v[1 + i].path, path);
	}
	assert_int_equal(files.n_ignored, ARRAY_SIZE(ignored));
	for (size_t i = 0; i < ARRAY_SIZE(ignored); i++) {
		dropin_path(f, ignored[i], path, sizeof(path));
		assert_string_equal(files.ignored[i], path);
	}
	/* The last one in byte order has the last word. */
	assert_int_equal(nsiso_policy_load(f->conf, &p, NULL, &err), 0);
	resolve_ok(p, &u, &s);
	assert_string_equal(s.hostname, "b");
	dropin_path(f, "b.conf", path, sizeof(path));
	assert_source(&s, NSISO_KEY_HOSTNAME, path, 2, "global");
	nsiso_settings_free(&s);
	nsiso_policy_free(p);
}

static void test_no_dropin_dir(void **state)
{
	struct fsdir *f = *state;
	_cleanup_policy_files_ struct nsiso_policy_files files = {0};

	write_file(f->conf, "[global]\n", 0644);
	assert_int_equal(read_all(f, &files), 0);
	assert_true(files.dropin_dir_missing);
	assert_int_equal(files.n, 1);
	nsiso_policy_files_free(&files);
	assert_int_equal(mkdir(f->dropin, 0755), 0);
	assert_int_equal(read_all(f, &files), 0);
	assert_false(files.dropin_dir_missing);
	assert_int_equal(files.n, 1);
	assert_true(nsiso_policy_files_ok(&files));
}

/*
 * f->conf with drop-ins must load degraded, with @msg; the main file's
 * exempt_users (ops) and on_error (allow) still answer, and so does a good
 * drop-in read after the bad one (carol, from zz-good.conf).
 */
static void expect_degraded(const struct fsdir *f, const char *msg, bool good_read)
{
	_cleanup_problems_ struct nsiso_problems all = {0};
	struct nsiso_user ops = mkuser("ops", 1000, NULL, 0),
			  carol = mkuser("carol", 1001, NULL, 0),
			  bob = mkuser("bob", 1002, NULL, 0);
	struct nsiso_error err = {0};
	struct nsiso_policy *p = NULL;

	assert_int_equal(nsiso_policy_load(f->conf, &p, &all, &err), -1);
	assert_string_equal(err.msg, msg);
	assert_int_equal(all.n, 1);
	assert_non_null(p);
	assert_true(nsiso_policy_degraded(p));
	assert_true(nsiso_policy_exempt(p, &ops, NULL));
	assert_int_equal(nsiso_policy_exempt(p, &carol, NULL), good_read);
	assert_false(nsiso_policy_exempt(p, &bob, NULL));
	assert_int_equal(nsiso_policy_on_error(p), NSISO_ONERR_ALLOW);
	nsiso_policy_free(p);
}

static void setup_good(const struct fsdir *f)
{
	write_file(f->conf, "[global]\nexempt_users = root, ops\non_error = allow\n", 0644);
	assert_int_equal(mkdir(f->dropin, 0755), 0);
	dropin(f, "zz-good.conf", "[global]\nexempt_users = root, ops, carol\n");
}

static void test_unsafe_dropin_dir(void **state)
{
	struct fsdir *f = *state;
	char msg[512], other[128];

	setup_good(f);
	assert_int_equal(chmod(f->dropin, 0775), 0);
	snprintf(msg, sizeof(msg), "%s: the directory is group or world writable (mode 0775)",
		 f->dropin);
	expect_degraded(f, msg, false);
	assert_int_equal(chmod(f->dropin, 01777), 0);
	snprintf(msg, sizeof(msg), "%s: the directory is group or world writable (mode 1777)",
		 f->dropin);
	expect_degraded(f, msg, false);
	assert_int_equal(chmod(f->dropin, 0755), 0);
	assert_int_equal(chown(f->dropin, 1, 0), 0);
	snprintf(msg, sizeof(msg), "%s: the directory is owned by uid 1, not root", f->dropin);
	expect_degraded(f, msg, false);
	assert_int_equal(chown(f->dropin, 0, 0), 0);
	/* A symbolic link to a good directory is refused, not followed. */
	snprintf(other, sizeof(other), "%s/real.d", f->dir);
	assert_int_equal(rename(f->dropin, other), 0);
	assert_int_equal(symlink(other, f->dropin), 0);
	snprintf(msg, sizeof(msg), "%s: is a symbolic link (refusing to follow it)", f->dropin);
	expect_degraded(f, msg, false);
	assert_int_equal(unlink(f->dropin), 0);
	/* Not a directory. */
	write_file(f->dropin, "[global]\n", 0644);
	snprintf(msg, sizeof(msg), "%s: cannot open the directory: Not a directory", f->dropin);
	expect_degraded(f, msg, false);
}

static void test_unsafe_dropins(void **state)
{
	struct fsdir *f = *state;
	char msg[512], path[192], target[192];

	setup_good(f);
	dropin_path(f, "50-x.conf", path, sizeof(path));
	write_file(path, "[global]\nexempt_users = bob\n", 0664);
	snprintf(msg, sizeof(msg), "%s: the file is group or world writable (mode 0664)", path);
	expect_degraded(f, msg, true);
	assert_int_equal(chmod(path, 0646), 0);
	snprintf(msg, sizeof(msg), "%s: the file is group or world writable (mode 0646)", path);
	expect_degraded(f, msg, true);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(chown(path, 1, 0), 0);
	snprintf(msg, sizeof(msg), "%s: the file is owned by uid 1, not root", path);
	expect_degraded(f, msg, true);
	/* A symbolic link, even to a good root-owned file next to it, and a dangling one. */
	snprintf(target, sizeof(target), "%s/target", f->dir);
	write_file(target, "[global]\nexempt_users = bob\n", 0644);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink(target, path), 0);
	snprintf(msg, sizeof(msg), "%s: is a symbolic link (refusing to follow it)", path);
	expect_degraded(f, msg, true);
	assert_int_equal(unlink(target), 0);
	expect_degraded(f, msg, true);
	assert_int_equal(unlink(path), 0);
	/* A FIFO (no writer: a blocking open would hang) and a directory. */
	assert_int_equal(mkfifo(path, 0644), 0);
	snprintf(msg, sizeof(msg), "%s: not a regular file", path);
	expect_degraded(f, msg, true);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0755), 0);
	expect_degraded(f, msg, true);
	assert_int_equal(rmdir(path), 0);
	/* Control: the same drop-in as a good file is read, and it is bob's exemption. */
	write_file(path, "[global]\nexempt_users = root, ops, bob\n", 0644);
	{
		struct nsiso_user bob = mkuser("bob", 1002, NULL, 0);
		struct nsiso_error err = {0};
		struct nsiso_policy *p = NULL;

		assert_int_equal(nsiso_policy_load(f->conf, &p, NULL, &err), 0);
		assert_false(nsiso_policy_exempt(p, &bob, NULL)); /* zz-good.conf is later */
		nsiso_policy_free(p);
		unlink(path);
		dropin(f, "zz-last.conf", "[global]\nexempt_users = bob\n");
		assert_int_equal(nsiso_policy_load(f->conf, &p, NULL, &err), 0);
		assert_true(nsiso_policy_exempt(p, &bob, NULL));
		nsiso_policy_free(p);
	}
}

/* Bounds: the number of drop-ins, of entries, of bytes of all files together. */
static void test_dropin_bounds(void **state)
{
	struct fsdir *f = *state;
	_cleanup_policy_files_ struct nsiso_policy_files files = {0};
	char name[64], full[192], msg[512], path[192];
	_cleanup_free_ char *big = NULL;
	struct timespec t0, t1;

	write_file(f->conf, "[global]\n", 0644);
	assert_int_equal(mkdir(f->dropin, 0755), 0);
	for (int i = 0; i < NSISO_MAX_DROPINS; i++) {
		snprintf(name, sizeof(name), "%03d.conf", i);
		dropin(f, name, "[global]\n");
	}
	assert_int_equal(read_all(f, &files), 0);
	assert_true(nsiso_policy_files_ok(&files));
	assert_int_equal(files.n, 1 + NSISO_MAX_DROPINS);
	nsiso_policy_files_free(&files);
	dropin(f, "999.conf", "[global]\n");
	assert_int_equal(read_all(f, &files), 0);
	assert_int_equal(files.n, 2); /* none is read */
	snprintf(msg, sizeof(msg), "%s: more than %d *.conf files", f->dropin, NSISO_MAX_DROPINS);
	assert_string_equal(files.v[1].problem, msg);
	nsiso_policy_files_free(&files);
	for (int i = 0; i < NSISO_MAX_DROPINS; i++) {
		snprintf(full, sizeof(full), "%s/%03d.conf", f->dropin, i);
		assert_int_equal(unlink(full), 0);
	}
	dropin_path(f, "999.conf", path, sizeof(path));
	assert_int_equal(unlink(path), 0);
	/* Many entries of other names: bounded too, and quickly. */
	for (int i = 0; i < NSISO_MAX_DIR_ENTRIES; i++) {
		snprintf(full, sizeof(full), "%s/x%d", f->dropin, i);
		assert_int_equal(mknod(full, S_IFREG | 0644, 0), 0);
	}
	assert_int_equal(read_all(f, &files), 0);
	assert_true(nsiso_policy_files_ok(&files));
	assert_int_equal(files.n_ignored, NSISO_MAX_IGNORED);
	assert_int_equal(files.more_ignored, NSISO_MAX_DIR_ENTRIES - NSISO_MAX_IGNORED);
	nsiso_policy_files_free(&files);
	dropin(f, "x.conf", "[global]\n");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(read_all(f, &files), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	snprintf(msg, sizeof(msg), "%s: more than %d entries", f->dropin, NSISO_MAX_DIR_ENTRIES);
	assert_int_equal(files.n, 2);
	assert_string_equal(files.v[1].problem, msg);
	assert_true(t1.tv_sec - t0.tv_sec < 2);
	nsiso_policy_files_free(&files);
	for (int i = 0; i < NSISO_MAX_DIR_ENTRIES; i++) {
		snprintf(full, sizeof(full), "%s/x%d", f->dropin, i);
		assert_int_equal(unlink(full), 0);
	}
	dropin_path(f, "x.conf", path, sizeof(path));
	assert_int_equal(unlink(path), 0);
	/* 1 MiB for all files together: the drop-in that passes it, and nothing after it. */
	big = malloc(600001);
	assert_non_null(big);
	memset(big, '#', 600000);
	big[599999] = '\n';
	big[600000] = '\0';
	write_file(f->conf, big, 0644);
	dropin(f, "a.conf", "[global]\n");
	dropin(f, "b.conf", big);
	dropin(f, "c.conf", "[global]\n");
	assert_int_equal(read_all(f, &files), 0);
	assert_int_equal(files.n, 3); /* c.conf is not read: the bound stopped the reading */
	assert_null(files.v[1].problem);
	dropin_path(f, "b.conf", path, sizeof(path));
	snprintf(msg, sizeof(msg),
		 "%s: the policy files together are too large (more than %u bytes)", path,
		 NSISO_POLICY_MAX_BYTES);
	assert_string_equal(files.v[2].problem, msg);
	/* The first 600000 bytes of b.conf alone would fit: it is the sum that counts. */
	nsiso_policy_files_free(&files);
	write_file(f->conf, "[global]\n", 0644);
	assert_int_equal(read_all(f, &files), 0);
	assert_int_equal(files.n, 4);
	assert_true(nsiso_policy_files_ok(&files));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_merge_per_key),
	    cmocka_unit_test(test_later_file_wins),
	    cmocka_unit_test(test_group_order_first_appearance),
	    cmocka_unit_test(test_global_only_keys_replace),
	    cmocka_unit_test(test_problems_name_their_file),
	    cmocka_unit_test(test_unusable_dropin_degrades),
	    cmocka_unit_test(test_rejected_value_forgets_earlier),
	    cmocka_unit_test(test_broken_main_file),
	    cmocka_unit_test(test_sections_cap_across_files),
	    cmocka_unit_test(test_example_dropin),
	    cmocka_unit_test(test_dropin_dir_name),
	    cmocka_unit_test_setup_teardown(test_read_order_and_ignored, fs_setup, fs_teardown),
	    cmocka_unit_test_setup_teardown(test_no_dropin_dir, fs_setup, fs_teardown),
	    cmocka_unit_test_setup_teardown(test_unsafe_dropin_dir, fs_setup, fs_teardown),
	    cmocka_unit_test_setup_teardown(test_unsafe_dropins, fs_setup, fs_teardown),
	    cmocka_unit_test_setup_teardown(test_dropin_bounds, fs_setup, fs_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
