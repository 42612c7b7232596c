/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nsisoctl check and explain: the policy and its drop-ins, read with the module's own loader. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "policy.h"
#include "registry.h"
#include "user.h"
#include "util.h"
#include "verdict.h"

/*
 * The loader wants an absolute path (it walks it from / without following
 * symlinks); a relative one is taken from the working directory, the way the
 * administrator meant it, without resolving anything on the way.
 */
static const char *absolute(const char *path, char **buf)
{
	_cleanup_free_ char *cwd = NULL;

	*buf = NULL;
	if (path[0] == '/' || !(cwd = getcwd(NULL, 0)))
		return path;
	if (asprintf(buf, "%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, path) < 0) {
		*buf = NULL;
		return path;
	}
	return *buf;
}

/*
 * One line per problem (file:line: [section] key: what), in the loader's
 * order: the first is the one a login logs. The loader keeps a bounded
 * number; the rest are counted on one last line.
 */
static int print_problems(const struct nsiso_problems *all, const char *path)
{
	char esc[256];

	for (size_t i = 0; i < all->n; i++)
		ctl_err("%s", all->msg[i]);
	if (all->more)
		ctl_err("%s: ... and %zu more", nsiso_escape(esc, sizeof(esc), path), all->more);
	return CTL_FAIL;
}

/*
 * Lists that look split (nsiso_policy_lint), one line each on standard
 * error. A warning is no error: the file is valid and means what the
 * warning says it means, so the exit status stays 0.
 */
static void print_warnings(const struct nsiso_policy *p, const char *path)
{
	_cleanup_problems_ struct nsiso_problems warn = {0};

	nsiso_policy_lint(p, path, &warn);
	for (size_t i = 0; i < warn.n; i++)
		ctl_err("%s", warn.msg[i]);
}

/*
 * Which files a login reads: "read FILE" for each one that could be read, in
 * the loader's order, the names in the drop-in directory that are not
 * drop-ins, and where drop-ins would be when there are none.
 */
static void print_files(const struct nsiso_policy_files *f)
{
	char esc[256];

	for (size_t i = 0; i < f->n; i++)
		if (!f->v[i].problem)
			printf("read %s\n", nsiso_escape(esc, sizeof(esc), f->v[i].path));
	for (size_t i = 0; i < f->n_ignored; i++)
		printf("ignored %s (only *.conf files are drop-ins)\n",
		       nsiso_escape(esc, sizeof(esc), f->ignored[i]));
	if (f->more_ignored)
		printf("ignored %zu more\n", f->more_ignored);
	if (f->dropin_dir_missing)
		printf("no drop-ins: %s does not exist\n",
		       nsiso_escape(esc, sizeof(esc), f->dropin_dir));
	else if (f->n == 1)
		printf("no drop-ins in %s\n", nsiso_escape(esc, sizeof(esc), f->dropin_dir));
}

int ctl_check(const struct ctl_cmd *c, int argc, char **argv)
{
	_cleanup_problems_ struct nsiso_problems all = {0};
	_cleanup_policy_files_ struct nsiso_policy_files f = {0};
	struct nsiso_policy *p = NULL;
	struct nsiso_error err = {0};
	_cleanup_free_ char *abs = NULL;
	struct ctl_args a;
	int status = CTL_OK;
	const char *path;
	char esc[256];

	if (ctl_parse(c, argc, argv, &a, &status))
		return status;
	path = absolute(a.n_pos ? a.pos[0] : NSISO_DEFAULT_CONFIG, &abs);
	/* The main file cannot be used: nothing else is read (a login does the same). */
	if (nsiso_policy_read_files(path, &f, &err) < 0)
		return ctl_core_err(&err);
	print_files(&f);
	if (nsiso_policy_load_files(&f, &p, &all, &err) < 0)
		status = print_problems(&all, path);
	else {
		print_warnings(p, path);
		printf("%s: valid\n", nsiso_escape(esc, sizeof(esc), path));
	}
	nsiso_policy_free(p);
	return status;
}

/* Where key @k's value comes from: "FILE:LINE [section]", or "built-in default". */
static void print_source(const struct nsiso_settings *s, int k)
{
	char ef[256], es[128];

	if (!s->source_file[k]) {
		printf("built-in default\n");
		return;
	}
	printf("%s:%u [%s]\n", nsiso_escape(ef, sizeof(ef), s->source_file[k]), s->source_line[k],
	       nsiso_escape(es, sizeof(es), s->source[k] ? s->source[k] : "?"));
}

static void print_settings(const struct nsiso_settings *s)
{
	char value[512], ev[512];

	/* exempt_users, exempt_groups: no per-user setting (explain says "exempt" instead). */
	for (int k = 0; k < NSISO_KEY__MAX; k++) {
		if (nsiso_setting_format(s, (enum nsiso_key)k, value, sizeof(value)) < 0)
			continue;
		printf("%-12s = %-24s ; ", nsiso_key_name((enum nsiso_key)k),
		       nsiso_escape(ev, sizeof(ev), value));
		print_source(s, k);
	}
}

/*
 * Groups NSS could not look up (an outage): the answer below was made
 * without them, as a login would make it, and a set made now would be
 * provisional.
 */
static void print_unresolved(const struct nsiso_unresolved *un)
{
	char esc[128];

	for (unsigned i = 0; i < un->n; i++)
		printf("# cannot look up group '%s'%s%s: taken as not applying (a set made now is "
		       "provisional)\n",
		       nsiso_escape(esc, sizeof(esc), un->name[i]), un->errnum ? ": " : "",
		       un->errnum ? strerror(un->errnum) : "");
	if (un->more)
		printf("# ... and more groups that cannot be looked up\n");
}

/*
 * A login started where nsisoctl runs, inside a set (an administrator's shell
 * in a user's set, `su -` from there): where an exempt user goes, and what
 * happens when the way back to the host cannot be taken (the verdict made
 * again from that failure, as the module makes it).
 */
static void explain_from_set(const struct nsiso_verdict_in *in, const struct nsiso_verdict *v,
			     const char *label)
{
	const struct nsiso_error down = {NSISO_ERR_SYSTEM, 0, "the host cannot be reached"};
	struct nsiso_verdict_in after = *in;
	struct nsiso_verdict again;

	if (v->action == NSISO_VERDICT_EXEMPT) {
		printf("%s: a login started inside a set, as this one is, stays in it "
		       "(from_set = stay)\n",
		       label);
		return;
	}
	printf("%s: a login started inside a set, as this one is, goes to the host (%s)\n", label,
	       v->broken ? "a broken policy's from_set is not used" : "from_set = host");
	after.failed = &down;
	nsiso_login_verdict(&after, &again);
	if (again.action == NSISO_VERDICT_STUCK)
		printf("%s: when the host cannot be reached, it stays in that set (%s)\n", label,
		       in->uid == 0 ? "root is never locked out" : "on_error = allow");
	else
		printf("%s: when the host cannot be reached, it is denied (on_error = deny)\n",
		       label);
}

/*
 * What a login of @u gets (lib/verdict.h), the way the module decides it,
 * but for a valid policy's settings (printed by the caller). The lines for
 * a broken policy and an exempt user; a login that starts inside a set,
 * when nsisoctl itself runs in one, gets lines of its own.
 */
static int explain_verdict(const struct nsiso_verdict_in *in, const struct nsiso_verdict *v,
			   const char *label)
{
	switch (v->action) {
	case NSISO_VERDICT_EXEMPT:
	case NSISO_VERDICT_TO_HOST:
		printf("%s is exempt: %s\n", label, v->why);
		if (in->in_set)
			explain_from_set(in, v, label);
		break;
	case NSISO_VERDICT_ALLOW:
		printf("%s: the policy is broken; logins are let in without isolation "
		       "(on_error = allow)\n",
		       label);
		break;
	case NSISO_VERDICT_DENY:
	case NSISO_VERDICT_STUCK: /* not a first verdict */
		printf("%s: the policy is broken; logins are denied (on_error = deny)\n", label);
		break;
	case NSISO_VERDICT_ISOLATE: /* the settings: the caller prints them */
		break;
	}
	return v->broken ? CTL_FAIL : CTL_OK;
}

/* A login of @u that starts inside a set, as nsisoctl does: through the host to its own set. */
static void explain_isolated_from_set(void)
{
	if (nsiso_registry_inside_set())
		printf("# a login started inside a set, as this one is, goes through the host to "
		       "its own set\n");
}

int ctl_explain(const struct ctl_cmd *c, int argc, char **argv)
{
	struct nsiso_policy *p = NULL;
	struct nsiso_settings s = {0};
	struct nsiso_user u = {0};
	struct nsiso_error err = {0};
	struct nsiso_unresolved un = {0};
	struct nsiso_verdict_in in;
	struct nsiso_verdict v;
	const char *path;
	char label[160], esc[128], epath[256];
	_cleanup_free_ char *abs = NULL;
	struct ctl_args a;
	int status = CTL_FAIL, loaded;

	if (ctl_parse(c, argc, argv, &a, &status))
		return status;
	status = CTL_FAIL;
	path = absolute(
	    a.set[ctl_opt(c, "config")] ? a.val[ctl_opt(c, "config")] : NSISO_DEFAULT_CONFIG, &abs);
	if (nsiso_user_lookup(a.pos[0], &u, &err) < 0)
		return ctl_core_err(&err);
	snprintf(label, sizeof(label), "%s (uid %u)", nsiso_escape(esc, sizeof(esc), u.name),
		 (unsigned)u.uid);
	/* One line, the problem a login would log; check lists them all. */
	loaded = nsiso_policy_load(path, &p, NULL, &err);
	if (loaded < 0)
		ctl_core_err(&err);
	/* The groups are loaded (nsiso_user_lookup): exempt_groups has its answer. */
	nsiso_verdict_gather(p, loaded < 0 ? &err : NULL, &u, NULL, &un, &in);
	nsiso_login_verdict(&in, &v);
	if (v.action != NSISO_VERDICT_ISOLATE) {
		status = explain_verdict(&in, &v, label);
	} else if (nsiso_policy_resolve(p, &u, &s, &err) < 0) {
		ctl_core_err(&err);
	} else {
		printf("# %s, policy %s\n", label, nsiso_escape(epath, sizeof(epath), path));
		nsiso_unresolved_merge(&un, &s.unresolved);
		print_unresolved(&un);
		print_settings(&s);
		explain_isolated_from_set();
		status = CTL_OK;
	}
	nsiso_settings_free(&s);
	nsiso_policy_free(p);
	nsiso_user_free(&u);
	return status;
}
