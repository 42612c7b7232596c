/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pam_nsiso: PAM glue only. Arguments, PAM_USER -> passwd entry, policy, the
 * core, and the mapping of its outcome to PAM codes and one syslog line.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "policy.h"
#include "session.h"
#include "user.h"
#include "util.h"

#define DATA_KEY "pam_nsiso_session"

struct args {
	const char *config;
	bool debug;
};

static void parse_args(pam_handle_t *pamh, int argc, const char **argv, struct args *a)
{
	char esc[128];

	a->config = NSISO_DEFAULT_CONFIG;
	a->debug = false;
	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], "config=", 7) == 0 && argv[i][7] == '/')
			a->config = argv[i] + 7;
		else if (strcmp(argv[i], "debug") == 0)
			a->debug = true;
		else
			pam_syslog(pamh, LOG_ERR,
				   "unknown or invalid module argument '%s' (ignored)",
				   nsiso_escape(esc, sizeof(esc), argv[i]));
	}
}

static const char *service_of(pam_handle_t *pamh)
{
	const void *svc = NULL;

	if (pam_get_item(pamh, PAM_SERVICE, &svc) != PAM_SUCCESS || !svc)
		return "?";
	return svc;
}

/* Everything a log line needs to say who this is about, escaped once. */
struct who {
	char service[64];
	char user[96];
	unsigned uid;
};

static void who_init(pam_handle_t *pamh, const char *name, struct who *w)
{
	nsiso_escape(w->service, sizeof(w->service), service_of(pamh));
	nsiso_escape(w->user, sizeof(w->user), name ? name : "");
	w->uid = (unsigned)-1;
}

static void log_opened(pam_handle_t *pamh, const struct who *w, const struct args *a,
		       const struct nsiso_open_result *res)
{
	const struct nsiso_setrec *rec = &res->rec;
	char inodes[160] = "";
	size_t used = 0;

	/*
	 * A plain join changes no state (pam_unix and sshd log the session
	 * itself) and is the commonest event of a busy server: logged only with
	 * debug. Making a set, leaving another set, tear-down and every refusal
	 * are always logged.
	 */
	if (res->action == NSISO_ACTION_JOIN && !res->from_set && !a->debug)
		return;
	for (int i = 0; i < NSISO_NS__MAX; i++) {
		if (!(rec->ns_mask & NSISO_NS_BIT(i)))
			continue;
		int n = snprintf(inodes + used, sizeof(inodes) - used, " %s=%llu",
				 nsiso_ns_table[i].name, (unsigned long long)rec->ino[i]);
		if (n < 0 || (size_t)n >= sizeof(inodes) - used)
			break;
		used += (size_t)n;
	}
	pam_syslog(pamh, LOG_INFO, "action=%s service=%s user=%s uid=%u%s%s%s",
		   res->action == NSISO_ACTION_CREATE ? "create" : "join", w->service, w->user,
		   w->uid, inodes, res->from_set ? " (from another set, via the host)" : "",
		   res->rebuilt ? " (an invalid set was discarded)" : "");
	if (a->debug && res->attempts > 1)
		pam_syslog(pamh, LOG_DEBUG, "creation took %d attempts (per-CPU namespace ids)",
			   res->attempts);
}

/* debug: what the policy gave this user, and from where, before anything is done. */
static void log_settings(pam_handle_t *pamh, const struct nsiso_settings *s)
{
	static const char *const tmp[] = {"tmpfs", "persistent", "off"};
	static const char *const life[] = {"processes", "session", "boot"};
	char ns[64] = "", sz[32];
	size_t used = 0;

	for (int i = 0; i < NSISO_NS__MAX; i++)
		if (s->ns_mask & NSISO_NS_BIT(i))
			used += (size_t)snprintf(ns + used, sizeof(ns) - used, "%s%s",
						 used ? "," : "", nsiso_ns_table[i].name);
	nsiso_format_size(&s->tmp_size, sz, sizeof(sz));
	pam_syslog(pamh, LOG_DEBUG,
		   "settings: namespaces=%s (%s) tmp=%s (%s) tmp_size=%s (%s) lifetime=%s (%s)", ns,
		   s->source[NSISO_KEY_NAMESPACES], tmp[s->tmp], s->source[NSISO_KEY_TMP], sz,
		   s->source[NSISO_KEY_TMP_SIZE], life[s->lifetime], s->source[NSISO_KEY_LIFETIME]);
}

static void cleanup_session(pam_handle_t *pamh, void *data, int error_status)
{
	nsiso_session_free(data);
}

/*
 * Exempt users are never put in a set. With from_set = host (the default) an
 * exempt login that starts inside a set (an administrator's `su -` from a
 * user's shell) is moved back to the host, so it sees the real /tmp and its
 * mounts reach the machine.
 */
/* from_set for an exempt user; host (the default) when the policy cannot say. */
static enum nsiso_from_set exempt_from_set(const struct nsiso_policy *p, struct nsiso_user *u)
{
	struct nsiso_settings s = {0};
	struct nsiso_error err = {0};
	enum nsiso_from_set from = NSISO_FROM_HOST;

	if (p && !nsiso_policy_degraded(p) && nsiso_policy_resolve(p, u, &s, &err) == 0)
		from = s.from_set;
	nsiso_settings_free(&s);
	return from;
}

static int open_exempt(pam_handle_t *pamh, const struct who *w, const struct args *a,
		       const struct nsiso_policy *p, struct nsiso_user *u, const char *why)
{
	struct nsiso_error err = {0};
	bool moved = false;

	/* from_set only matters to a login that starts inside a set: ask the policy then. */
	if (nsiso_registry_inside_set() && exempt_from_set(p, u) == NSISO_FROM_HOST &&
	    nsiso_return_to_host(&moved, &err) < 0) {
		bool deny =
		    err.kind == NSISO_ERR_CALLER || nsiso_policy_on_error(p) == NSISO_ONERR_DENY;
		pam_syslog(pamh, LOG_ERR, "%s; action=%s service=%s user=%s uid=%u (exempt: %s)",
			   err.msg, deny ? "deny" : "allow", w->service, w->user, w->uid,
			   why ? why : "exempt");
		return deny ? PAM_SESSION_ERR : PAM_IGNORE;
	}
	if (moved)
		pam_syslog(
		    pamh, LOG_INFO,
		    "action=host service=%s user=%s uid=%u (exempt: %s; left a set for the host)",
		    w->service, w->user, w->uid, why ? why : "exempt");
	else
		pam_syslog(pamh, LOG_INFO, "action=exempt service=%s user=%s uid=%u (%s)",
			   w->service, w->user, w->uid, why ? why : "exempt");
	return PAM_IGNORE;
}

/*
 * Any failure for a non-exempt user: on_error decides between a login without
 * isolation and no login, except when the caller itself cannot switch
 * namespaces (capabilities, threads): that is refused whatever on_error says.
 */
static int fail_open(pam_handle_t *pamh, const struct who *w, const struct nsiso_policy *p,
		     const struct nsiso_error *err)
{
	if (err->kind != NSISO_ERR_CALLER && nsiso_policy_on_error(p) == NSISO_ONERR_ALLOW) {
		pam_syslog(
		    pamh, LOG_ERR,
		    "%s; action=allow service=%s user=%s uid=%u (on_error=allow: no isolation)",
		    err->msg, w->service, w->user, w->uid);
		return PAM_IGNORE;
	}
	pam_syslog(pamh, LOG_ERR, "%s; action=deny service=%s user=%s uid=%u", err->msg, w->service,
		   w->user, w->uid);
	return PAM_SESSION_ERR;
}

/*
 * A policy that cannot be used: root (and, when the file itself is
 * trustworthy, the exempt users it names) still get in; everyone else gets
 * what on_error says. Never a lockout of the administrator.
 */
static int broken_policy(pam_handle_t *pamh, const struct who *w, const struct args *a,
			 const struct nsiso_policy *p, struct nsiso_user *u,
			 const struct nsiso_error *err)
{
	const char *why = NULL;

	if (nsiso_policy_exempt(p, u, &why)) {
		pam_syslog(pamh, LOG_ERR, "%s; exempt despite the broken policy: %s", err->msg,
			   why ? why : "exempt");
		return open_exempt(pamh, w, a, p, u, why);
	}
	return fail_open(pamh, w, p, err);
}

static int open_isolated(pam_handle_t *pamh, const struct who *w, const struct args *a,
			 const struct nsiso_policy *p, struct nsiso_user *u)
{
	struct nsiso_open_result res;
	struct nsiso_session *sess = NULL;
	struct nsiso_error err = {0};
	int ret;

	ret = nsiso_session_open(u, p, &sess, &res, &err);
	if (a->debug && res.resolved)
		log_settings(pamh, &res.settings);
	nsiso_open_result_free(&res);
	if (ret < 0)
		return fail_open(pamh, w, p, &err);
	if (pam_set_data(pamh, DATA_KEY, sess, cleanup_session) != PAM_SUCCESS) {
		/* Without the data close could not find the set again: undo this session. */
		struct nsiso_close_result cres;
		nsiso_session_close(sess, &cres, NULL);
		nsiso_session_free(sess);
		pam_syslog(pamh, LOG_ERR,
			   "cannot keep session data; action=deny service=%s user=%s", w->service,
			   w->user);
		return PAM_SESSION_ERR;
	}
	log_opened(pamh, w, a, &res);
	return PAM_SUCCESS;
}

NSISO_EXPORT int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct nsiso_policy *p = NULL;
	struct nsiso_user u = {0};
	struct nsiso_error err = {0}, gerr = {0};
	const char *name = NULL, *why = NULL;
	int loaded, groups = 0, ret;
	struct args a;
	struct who w;

	parse_args(pamh, argc, argv, &a);
	if (pam_get_item(pamh, PAM_USER, (const void **)&name) != PAM_SUCCESS)
		name = NULL;
	who_init(pamh, name, &w);
	/* The name is attacker-influenced: checked before NSS sees it, never used in a path. */
	if (!name || !nsiso_user_name_ok(name)) {
		pam_syslog(pamh, LOG_ERR, "unusable user name '%s'; action=deny service=%s", w.user,
			   w.service);
		return PAM_USER_UNKNOWN;
	}
	if (nsiso_user_lookup_passwd(name, &u, &err) < 0) {
		pam_syslog(pamh, LOG_ERR, "%s; action=deny service=%s", err.msg, w.service);
		return PAM_USER_UNKNOWN;
	}
	w.uid = (unsigned)u.uid;
	/* A login logs only the first problem (in err): no list. */
	loaded = nsiso_policy_load(a.config, &p, NULL, &err);
	/*
	 * The group list is the costliest NSS call of a login: here only for
	 * exempt_groups. [group:] sections matter only when a set is made, and
	 * the core loads the list then.
	 */
	if (nsiso_policy_exempt_uses_groups(p))
		groups = nsiso_user_load_groups(&u, &gerr);
	if (loaded < 0)
		ret = broken_policy(pamh, &w, &a, p, &u, &err);
	else if (nsiso_policy_exempt(p, &u, &why))
		ret = open_exempt(pamh, &w, &a, p, &u, why);
	else if (groups < 0)
		ret = fail_open(pamh, &w, p, &gerr);
	else
		ret = open_isolated(pamh, &w, &a, p, &u);
	nsiso_policy_free(p);
	nsiso_user_free(&u);
	return ret;
}

NSISO_EXPORT int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct nsiso_close_result res;
	struct nsiso_error err = {0};
	const void *data = NULL;
	const char *name = NULL;
	struct args a;
	struct who w;
	int ret;

	parse_args(pamh, argc, argv, &a);
	/* No data: this session was exempt, allowed without isolation, or never opened. */
	if (pam_get_data(pamh, DATA_KEY, &data) != PAM_SUCCESS || !data)
		return PAM_IGNORE;
	if (pam_get_item(pamh, PAM_USER, (const void **)&name) != PAM_SUCCESS)
		name = NULL;
	who_init(pamh, name, &w);
	ret = nsiso_session_close((struct nsiso_session *)data, &res, &err);
	if (ret < 0)
		pam_syslog(pamh, LOG_ERR, "%s; close service=%s user=%s", err.msg, w.service,
			   w.user);
	else if (res.torn_down || a.debug)
		pam_syslog(pamh, LOG_INFO, "action=%s service=%s user=%s (%u other sessions%s)",
			   res.torn_down ? "teardown" : "keep", w.service, w.user,
			   res.live_sessions, res.processes_left ? ", processes remain" : "");
	/* Drop the data (and its fds) now: a second close must not act twice. */
	pam_set_data(pamh, DATA_KEY, NULL, NULL);
	return ret < 0 ? PAM_SESSION_ERR : PAM_SUCCESS;
}
