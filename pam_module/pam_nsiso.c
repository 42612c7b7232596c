/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pam_nsiso: PAM glue only. Arguments, PAM_USER -> passwd entry, policy, the
 * core, and the mapping of its outcome to PAM codes and one syslog line per
 * decision (with debug, a LOG_DEBUG line per step before it). The core never
 * logs: it fills an error object and its result structs, reported here.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "policy.h"
#include "policycache.h"
#include "session.h"
#include "stats.h"
#include "user.h"
#include "util.h"
#include "verdict.h"

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
	unsigned uid; /* (unsigned)-1: not known (yet) */
};

static void who_init(pam_handle_t *pamh, const char *name, struct who *w)
{
	nsiso_escape(w->service, sizeof(w->service), service_of(pamh));
	nsiso_escape(w->user, sizeof(w->user), name ? name : "");
	w->uid = (unsigned)-1;
}

/* " mnt=N ipc=N uts=N net=N": the inodes of the namespaces of @mask, in table order. */
static const char *fmt_inodes(char *buf, size_t len, unsigned mask, const uint64_t *ino)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < NSISO_NS__MAX; i++) {
		if (!(mask & NSISO_NS_BIT(i)))
			continue;
		int n = snprintf(buf + used, len - used, " %s=%llu", nsiso_ns_table[i].name,
				 (unsigned long long)ino[i]);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
	return buf;
}

/* The inodes of the caller's own namespaces: where a session that got no set of its own is. */
static const char *caller_inodes(char *buf, size_t len)
{
	uint64_t ino[NSISO_NS__MAX];
	unsigned mask;

	nsiso_caller_inodes(ino, &mask);
	return fmt_inodes(buf, len, mask, ino);
}

/* "A; B", either may be NULL; NULL when both are. */
static const char *join_reasons(char *buf, size_t len, const char *a, const char *b)
{
	if (!a && !b)
		return NULL;
	snprintf(buf, len, "%s%s%s", a ? a : "", a && b ? "; " : "", b ? b : "");
	return buf;
}

/*
 * The one line of an open_session decision:
 *   [REASON; ]action=A service=S user=U uid=N[ mnt=I ipc=I uts=I[ net=I]][ (NOTE)]
 * REASON: what went wrong, when something did. The inodes: the namespaces the
 * session ended in (none for a refusal: the caller is left as it was).
 * Every decision is also counted (lib/stats.h, nsisoctl list --prometheus).
 */
static void log_decision(pam_handle_t *pamh, int prio, const struct who *w, const char *reason,
			 enum nsiso_decision action, const char *inodes, const char *note)
{
	char uid[16] = "?";

	nsiso_stats_count(action);
	if (w->uid != (unsigned)-1)
		snprintf(uid, sizeof(uid), "%u", w->uid);
	pam_syslog(pamh, prio, "%s%saction=%s service=%s user=%s uid=%s%s%s%s%s",
		   reason ? reason : "", reason ? "; " : "", nsiso_decision_word(action),
		   w->service, w->user, uid, inodes ? inodes : "", note ? " (" : "",
		   note ? note : "", note ? ")" : "");
}

/* debug: one LOG_DEBUG line per step the module took, before the decision's line. */
static __attribute__((format(printf, 3, 4))) void log_step(pam_handle_t *pamh, const struct args *a,
							   const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (!a->debug)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	pam_syslog(pamh, LOG_DEBUG, "step: %s", buf);
}

/*
 * debug: how the policy was had: "loaded: from cache", or "loaded: parsed" /
 * "is broken" with what the cache said (why it missed; whether the parsed
 * policy was stored). A store that failed is only ever reported here.
 */
static void log_policy(pam_handle_t *pamh, const struct args *a, int loaded,
		       const struct nsiso_pcache_result *pc)
{
	char path[128], err[96] = "";

	nsiso_escape(path, sizeof(path), a->config);
	if (pc->hit) {
		log_step(pamh, a, "policy %s loaded: from cache", path);
		return;
	}
	if (pc->store_errno)
		snprintf(err, sizeof(err), ": %s", strerror(pc->store_errno));
	log_step(pamh, a, "policy %s %s (cache: %s%s%s%s)", path,
		 loaded < 0 ? "is broken" : "loaded: parsed", pc->miss ? pc->miss : "not used",
		 pc->store ? "; " : "", pc->store ? pc->store : "", err);
}

/* debug: what the policy gave this user, and from where (a set is being made). */
static void log_settings(pam_handle_t *pamh, const struct args *a, const struct nsiso_settings *s)
{
	char ns[64], tmp[32], sz[32], life[32];

	/* The namespaces as the set record's mask is logged ("mnt,ipc,uts"), not as in the file. */
	nsiso_ns_mask_format(s->ns_mask, ",", ns, sizeof(ns));
	nsiso_setting_format(s, NSISO_KEY_TMP, tmp, sizeof(tmp));
	nsiso_setting_format(s, NSISO_KEY_TMP_SIZE, sz, sizeof(sz));
	nsiso_setting_format(s, NSISO_KEY_LIFETIME, life, sizeof(life));
	log_step(pamh, a,
		 "settings: namespaces=%s (%s) tmp=%s (%s) tmp_size=%s (%s) lifetime=%s (%s)", ns,
		 s->source[NSISO_KEY_NAMESPACES], tmp, s->source[NSISO_KEY_TMP], sz,
		 s->source[NSISO_KEY_TMP_SIZE], life, s->source[NSISO_KEY_LIFETIME]);
}

/* debug: the core's steps (struct nsiso_open_result), success or not. */
static void log_open_steps(pam_handle_t *pamh, const struct who *w, const struct args *a,
			   const struct nsiso_open_result *res)
{
	const struct nsiso_setrec *rec = &res->rec;
	char ns[64], inodes[160];

	if (!a->debug)
		return;
	for (unsigned k = 0; k < res->nsteps; k++) {
		switch ((enum nsiso_step)res->steps[k]) {
		case NSISO_STEP_HOST:
			log_step(
			    pamh, a,
			    "the login started inside a set or another mount namespace: moved to "
			    "PID 1's namespaces first");
			break;
		case NSISO_STEP_REGISTRY:
			log_step(pamh, a, "registry " NSISO_RUNDIR " reached");
			break;
		case NSISO_STEP_LOCKED:
			log_step(pamh, a, "lock of uid %u held", w->uid);
			break;
		case NSISO_STEP_NO_SET:
			log_step(pamh, a, "no set recorded for uid %u", w->uid);
			break;
		case NSISO_STEP_FOUND:
			log_step(pamh, a, "set found, every pin checks out:%s",
				 fmt_inodes(inodes, sizeof(inodes), rec->ns_mask, rec->ino));
			break;
		case NSISO_STEP_INVALID:
			log_step(pamh, a, "the recorded set does not check out: discarded");
			break;
		case NSISO_STEP_RESOLVED:
			log_settings(pamh, a, &res->settings);
			break;
		case NSISO_STEP_CREATED:
			log_step(pamh, a, "set created and pinned:%s, %d attempt%s%s",
				 fmt_inodes(inodes, sizeof(inodes), rec->ns_mask, rec->ino),
				 res->attempts, res->attempts == 1 ? "" : "s",
				 res->attempts > 1 ? " (per-CPU namespace ids)" : "");
			break;
		case NSISO_STEP_RECORDED:
			log_step(pamh, a, "session recorded (pid %d)", (int)getpid());
			break;
		case NSISO_STEP_JOINED:
			log_step(pamh, a, "joined the set: setns %s (mnt last)",
				 nsiso_ns_mask_format(rec->ns_mask, ",", ns, sizeof(ns)));
			break;
		}
	}
}

/* "cannot look up group 'A', 'B' (and more): No such file or directory" */
static const char *fmt_unresolved(char *buf, size_t len, const struct nsiso_unresolved *un)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < un->n && used < len; i++) {
		char esc[96];
		int n =
		    snprintf(buf + used, len - used, "%s'%s'", i ? ", " : "cannot look up group ",
			     nsiso_escape(esc, sizeof(esc), un->name[i]));
		if (n < 0)
			break;
		used += (size_t)n;
	}
	if (used < len)
		snprintf(buf + used, len - used, "%s%s%s", un->more ? " (and more)" : "",
			 un->errnum ? ": " : "", un->errnum ? strerror(un->errnum) : "");
	return buf;
}

/*
 * A provisional set (enum nsiso_provisional): the reason of the decision's
 * line (the lookups that failed) and a note on what became of the set.
 */
static const char *provisional_note(const struct nsiso_open_result *res, char *why, size_t len)
{
	static const char *const notes[] = {
	    [NSISO_PROV_NONE] = NULL,
	    [NSISO_PROV_CREATED] = "provisional set: settings resolved without those groups, "
				   "decided again at the next login",
	    [NSISO_PROV_STILL] = "provisional set kept: the lookups still fail",
	    [NSISO_PROV_CONFIRMED] = "provisional set confirmed: the groups it was made without "
				     "do not change it",
	    [NSISO_PROV_REBUILT] = "provisional set rebuilt: the groups it was made without "
				   "change it, and nothing was in it",
	    [NSISO_PROV_KEPT_BUSY] = "provisional set kept: the groups it was made without change "
				     "it, but sessions or processes are still in it",
	};

	why[0] = '\0';
	if (res->provisional == NSISO_PROV_CREATED || res->provisional == NSISO_PROV_STILL)
		fmt_unresolved(why, len, &res->unresolved);
	return notes[res->provisional];
}

static void log_opened(pam_handle_t *pamh, const struct who *w, const struct nsiso_open_result *res)
{
	const struct nsiso_setrec *rec = &res->rec;
	char inodes[160], note[768], why[512];
	const char *prov = provisional_note(res, why, sizeof(why));
	int n;

	n = snprintf(note, sizeof(note), "%s%s%s%s%s",
		     res->from_set ? "from another set, via the host" : "",
		     res->from_set && res->rebuilt ? "; " : "",
		     !res->rebuilt	  ? ""
		     : res->foreign_owner ? "the uid's set belonged to another account: discarded"
					  : "an invalid set was discarded",
		     prov && (res->from_set || res->rebuilt) ? "; " : "", prov ? prov : "");
	/* The set's /run/user/UID (lib/rundir.h): replaced, or why not. */
	if (n >= 0 && (size_t)n < sizeof(note) && (res->rundir_refreshed || res->rundir_error[0]))
		snprintf(note + n, sizeof(note) - (size_t)n, "%s%s%s", n ? "; " : "",
			 res->rundir_error[0] ? "/run/user/UID not refreshed: "
					      : "the set's /run/user/UID was stale: now the host's",
			 res->rundir_error);
	/* tmp_share entries left out (lib/tmpshare.h): a warning, the login goes on. */
	n = (int)strlen(note);
	if (res->share_note[0] && (size_t)n < sizeof(note))
		snprintf(note + n, sizeof(note) - (size_t)n, "%s%s", n ? "; " : "",
			 res->share_note);
	log_decision(
	    pamh, why[0] || res->share_note[0] ? LOG_WARNING : LOG_INFO, w, why[0] ? why : NULL,
	    res->action == NSISO_ACTION_CREATE ? NSISO_DECISION_CREATE : NSISO_DECISION_JOIN,
	    fmt_inodes(inodes, sizeof(inodes), rec->ns_mask, rec->ino), note[0] ? note : NULL);
}

static void cleanup_session(pam_handle_t *pamh, void *data, int error_status)
{
	nsiso_session_free(data);
}

/* Room for "A; B", two error messages (join_reasons). */
#define REASON_MAX (2 * sizeof(((struct nsiso_error *)0)->msg) + 4)

/*
 * The line of an exempt user's session (verdict EXEMPT, TO_HOST or STUCK):
 * where it ends up, and why. @moved: the caller was taken to the host.
 */
static int log_exempt(pam_handle_t *pamh, const struct who *w, const struct args *a,
		      const struct nsiso_verdict *v, bool in_set, bool moved)
{
	bool stuck = v->action == NSISO_VERDICT_STUCK, stays = in_set && !moved;
	char reason[REASON_MAX], note[256], inodes[160];

	if (!in_set)
		log_step(pamh, a, "not inside a set");
	else if (moved)
		log_step(pamh, a, "inside a set, from_set = host: moved to PID 1's namespaces");
	else if (!stuck)
		log_step(pamh, a, "inside a set, from_set = stay: stays there");
	snprintf(note, sizeof(note), "%s%s%s%s%s%s",
		 v->broken ? "exempt despite the broken policy: " : "", v->why,
		 moved ? "; left a set for the host" : "",
		 stays ? "; stays in the set it was opened from" : "", stays && stuck ? ": " : "",
		 stays && stuck ? v->reason : "");
	log_decision(pamh, v->broken || stuck ? LOG_ERR : LOG_INFO, w,
		     join_reasons(reason, sizeof(reason), v->broken, stuck ? v->error : NULL),
		     moved ? NSISO_DECISION_HOST : NSISO_DECISION_EXEMPT,
		     caller_inodes(inodes, sizeof(inodes)), note);
	return PAM_IGNORE;
}

/*
 * A verdict of ALLOW or DENY: the session goes on without isolation, or not
 * at all. The caller is where it was (a failed step leaves it as it found
 * it). A refused exempt user (its way to the host failed) says it was exempt.
 */
static int log_refusal(pam_handle_t *pamh, const struct who *w, const struct nsiso_verdict *v)
{
	char reason[REASON_MAX], note[256], inodes[160];

	if (v->action == NSISO_VERDICT_ALLOW) {
		log_decision(pamh, LOG_ERR, w, v->error, NSISO_DECISION_ALLOW,
			     caller_inodes(inodes, sizeof(inodes)), v->reason);
		return PAM_IGNORE;
	}
	if (!v->why) {
		log_decision(pamh, LOG_ERR, w, v->error, NSISO_DECISION_DENY, NULL, NULL);
		return PAM_SESSION_ERR;
	}
	snprintf(note, sizeof(note), "exempt: %s", v->why);
	log_decision(pamh, LOG_ERR, w, join_reasons(reason, sizeof(reason), v->broken, v->error),
		     NSISO_DECISION_DENY, NULL, note);
	return PAM_SESSION_ERR;
}

/* The verdict made again after the step the first one asked for failed with @err. */
static void decide_again(const struct nsiso_verdict_in *in, const struct nsiso_error *err,
			 struct nsiso_verdict *v)
{
	struct nsiso_verdict_in again = *in;

	again.failed = err;
	nsiso_login_verdict(&again, v);
}

/*
 * Verdict TO_HOST: an exempt login that starts inside a set (an
 * administrator's `su -` from a user's shell) goes back to the host, so it
 * sees the real /tmp and its mounts reach the machine. When that way back
 * (PID 1's namespaces) cannot be taken the caller is still where it was
 * (nothing is switched before all of them are open), and the verdict is made
 * again from the failure: root stays there, never locked out.
 */
static int to_host(pam_handle_t *pamh, const struct who *w, const struct args *a,
		   const struct nsiso_verdict_in *in, struct nsiso_verdict *v)
{
	struct nsiso_error err = {0};
	bool moved = false;

	if (nsiso_return_to_host(&moved, &err) < 0) {
		decide_again(in, &err, v);
		if (v->action == NSISO_VERDICT_DENY)
			return log_refusal(pamh, w, v);
	}
	return log_exempt(pamh, w, a, v, in->in_set, moved);
}

/* Verdict ISOLATE: into the user's own set; a failure is decided again (on_error). */
static int open_isolated(pam_handle_t *pamh, const struct who *w, const struct args *a,
			 const struct nsiso_policy *p, struct nsiso_user *u,
			 const struct nsiso_verdict_in *in,
			 const struct nsiso_unresolved *exempt_un)
{
	struct nsiso_open_result res;
	struct nsiso_session *sess = NULL;
	struct nsiso_error err = {0};
	struct nsiso_verdict v;
	int ret;

	ret = nsiso_session_open(u, p, exempt_un, &sess, &res, &err);
	log_open_steps(pamh, w, a, &res);
	if (res.keeper_rebuilt)
		pam_syslog(pamh, LOG_WARNING,
			   "the keeper namespace " NSISO_RUNDIR "/keeper was lost (its pin was "
			   "unmounted): made a new one; every set made before it is invalid and "
			   "is rebuilt at its user's next login");
	nsiso_open_result_free(&res);
	if (ret < 0) {
		decide_again(in, &err, &v);
		return log_refusal(pamh, w, &v);
	}
	if (pam_set_data(pamh, DATA_KEY, sess, cleanup_session) != PAM_SUCCESS) {
		/* Without the data close could not find the set again: undo this session. */
		struct nsiso_close_result cres;
		nsiso_session_close(sess, &cres, NULL);
		nsiso_session_free(sess);
		log_decision(pamh, LOG_ERR, w, "cannot keep session data", NSISO_DECISION_DENY,
			     NULL, NULL);
		return PAM_SESSION_ERR;
	}
	log_opened(pamh, w, &res);
	return PAM_SUCCESS;
}

/*
 * The login's verdict (lib/verdict.h), then what it asks for. With debug,
 * "exempt: WHY" or "not exempt" first; a user who is not exempt and whose
 * group list could not be had is refused (or allowed) without that step.
 */
static int act(pam_handle_t *pamh, const struct who *w, const struct args *a,
	       const struct nsiso_policy *p, struct nsiso_user *u,
	       const struct nsiso_verdict_in *in, const struct nsiso_unresolved *exempt_un)
{
	struct nsiso_verdict v;

	nsiso_login_verdict(in, &v);
	if (v.why)
		log_step(pamh, a, "exempt: %s", v.why);
	else if (in->policy != NSISO_POLICY_VALID || !in->groups_error)
		log_step(pamh, a, "not exempt");
	switch (v.action) {
	case NSISO_VERDICT_ISOLATE:
		return open_isolated(pamh, w, a, p, u, in, exempt_un);
	case NSISO_VERDICT_TO_HOST:
		return to_host(pamh, w, a, in, &v);
	case NSISO_VERDICT_EXEMPT:
	case NSISO_VERDICT_STUCK:
		return log_exempt(pamh, w, a, &v, in->in_set, false);
	case NSISO_VERDICT_ALLOW:
	case NSISO_VERDICT_DENY:
		break;
	}
	return log_refusal(pamh, w, &v);
}

NSISO_EXPORT int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct nsiso_policy *p = NULL;
	struct nsiso_user u = {0};
	struct nsiso_error err = {0}, gerr = {0};
	struct nsiso_unresolved un = {0};
	struct nsiso_pcache_result pc;
	struct nsiso_verdict_in in;
	const char *name = NULL;
	int loaded, groups = 0, ret;
	struct args a;
	struct who w;

	parse_args(pamh, argc, argv, &a);
	if (pam_get_item(pamh, PAM_USER, (const void **)&name) != PAM_SUCCESS)
		name = NULL;
	who_init(pamh, name, &w);
	/* The name is attacker-influenced: checked before NSS sees it, never used in a path. */
	if (!name || !nsiso_user_name_ok(name)) {
		log_decision(pamh, LOG_ERR, &w, "unusable user name", NSISO_DECISION_DENY, NULL,
			     NULL);
		return PAM_USER_UNKNOWN;
	}
	/* "unknown user" only when NSS says so; "cannot look up user" when it cannot answer. */
	if (nsiso_user_lookup_passwd(name, &u, &err) < 0) {
		log_decision(pamh, LOG_ERR, &w, err.msg, NSISO_DECISION_DENY, NULL, NULL);
		return err.kind == NSISO_ERR_USER ? PAM_USER_UNKNOWN : PAM_SESSION_ERR;
	}
	w.uid = (unsigned)u.uid;
	log_step(pamh, &a, "user %s: uid %u gid %u (NSS)", w.user, w.uid, (unsigned)u.gid);
	/*
	 * A login logs only the first problem (in err): no list. An unchanged
	 * valid policy comes from the registry's cache; a broken one is always
	 * parsed, so err is what a full load says.
	 */
	loaded = nsiso_policy_load_cached(a.config, &p, &pc, &err);
	log_policy(pamh, &a, loaded, &pc);
	/*
	 * The group list is the costliest NSS call of a login: here only for
	 * exempt_groups. [group:] sections matter only when a set is made, and
	 * the core loads the list then.
	 */
	if (nsiso_policy_exempt_uses_groups(p)) {
		groups = nsiso_user_load_groups(&u, &gerr);
		log_step(pamh, &a, "groups %s (exempt_groups)", groups < 0 ? "unknown" : "loaded");
	}
	nsiso_verdict_gather(p, loaded < 0 ? &err : NULL, &u, groups < 0 ? &gerr : NULL, &un, &in);
	ret = act(pamh, &w, &a, p, &u, &in, &un);
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
	char inodes[160], note[64];
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
	w.uid = (unsigned)res.uid;
	if (ret < 0) {
		pam_syslog(pamh, LOG_ERR, "%s; close service=%s user=%s uid=%u", err.msg, w.service,
			   w.user, w.uid);
	} else if (res.deferred) {
		snprintf(note, sizeof(note), "closing process runs as uid %u: left to nsisoctl gc",
			 (unsigned)res.caller_euid);
		log_decision(pamh, LOG_NOTICE, &w, NULL, NSISO_DECISION_DEFER, NULL, note);
	} else if (res.torn_down || a.debug) {
		snprintf(note, sizeof(note), "%u other sessions%s", res.live_sessions,
			 res.processes_left ? ", processes remain" : "");
		log_decision(pamh, LOG_INFO, &w, NULL,
			     res.torn_down ? NSISO_DECISION_TEARDOWN : NSISO_DECISION_KEEP,
			     fmt_inodes(inodes, sizeof(inodes), res.rec.ns_mask, res.rec.ino),
			     note);
	} else {
		/* A close that keeps the set has a line only with debug; it counts all the same. */
		nsiso_stats_count(NSISO_DECISION_KEEP);
	}
	/* Drop the data (and its fds) now: a second close must not act twice. */
	pam_set_data(pamh, DATA_KEY, NULL, NULL);
	return ret < 0 ? PAM_SESSION_ERR : PAM_SUCCESS;
}
