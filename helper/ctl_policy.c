/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nsisoctl check and explain: the policy and its drop-ins, read with the module's own loader. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "policy.h"
#include "user.h"
#include "util.h"

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

/* A policy the module could not use: say what a login of @u would get, as the module decides it. */
static void explain_broken(const struct nsiso_policy *p, const struct nsiso_user *u,
			   const char *label)
{
	const char *why = NULL;

	if (nsiso_policy_exempt(p, u, &why))
		printf("%s is exempt: %s\n", label, why ? why : "exempt");
	else if (nsiso_policy_on_error(p) == NSISO_ONERR_ALLOW)
		printf("%s: the policy is broken; logins are let in without isolation "
		       "(on_error = allow)\n",
		       label);
	else
		printf("%s: the policy is broken; logins are denied (on_error = deny)\n", label);
}

int ctl_explain(const struct ctl_cmd *c, int argc, char **argv)
{
	struct nsiso_policy *p = NULL;
	struct nsiso_settings s = {0};
	struct nsiso_user u = {0};
	struct nsiso_error err = {0};
	struct nsiso_unresolved un = {0};
	const char *why = NULL, *path;
	char label[160], esc[128], epath[256];
	_cleanup_free_ char *abs = NULL;
	struct ctl_args a;
	int status = CTL_FAIL;

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
	if (nsiso_policy_load(path, &p, NULL, &err) < 0) {
		ctl_core_err(&err);
		explain_broken(p, &u, label);
	} else if (nsiso_policy_exempt_un(p, &u, &why, &un)) {
		printf("%s is exempt: %s\n", label, why ? why : "exempt");
		status = CTL_OK;
	} else if (nsiso_policy_resolve(p, &u, &s, &err) < 0) {
		ctl_core_err(&err);
	} else {
		printf("# %s, policy %s\n", label, nsiso_escape(epath, sizeof(epath), path));
		nsiso_unresolved_merge(&un, &s.unresolved);
		print_unresolved(&un);
		print_settings(&s);
		status = CTL_OK;
	}
	nsiso_settings_free(&s);
	nsiso_policy_free(p);
	nsiso_user_free(&u);
	return status;
}
