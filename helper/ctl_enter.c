/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nsisoctl enter: run a command inside a user's set, as root (like nsenter)
 * or as the user (like a fresh login: the user's groups, no capabilities, a
 * clean environment, the home directory).
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "ctl.h"
#include "user.h"
#include "util.h"

/* What Debian's login(1) gives a non-root user (ENV_PATH of login.defs). */
#define USER_PATH "/usr/local/bin:/usr/bin:/bin:/usr/games"

/* What enter needs from the passwd entry, looked up before entering the set. */
struct account {
	struct nsiso_user user; /* name, uid, gid, groups, home, shell */
};

static void account_free(struct account *acc)
{
	nsiso_user_free(&acc->user);
}

/* The account behind USER: needed for --as-user and for the default shell. */
static int load_account(const char *arg, struct account *acc)
{
	struct nsiso_error err = {0};

	if (nsiso_user_lookup(arg, &acc->user, &err) < 0)
		return ctl_core_err(&err), -1;
	return 0;
}

/*
 * Become the user for good: groups, gid, uid (in that order: each step needs
 * the privilege the next one drops), then no capability in any set, and a
 * check that root cannot be regained.
 */
static int drop_to_user(const struct nsiso_user *u)
{
	cap_t none;
	int r;

	if (setgroups((size_t)u->n_groups, u->groups) < 0)
		return ctl_err("setgroups: %s", strerror(errno)), -1;
	if (setresgid(u->gid, u->gid, u->gid) < 0)
		return ctl_err("setresgid: %s", strerror(errno)), -1;
	if (setresuid(u->uid, u->uid, u->uid) < 0)
		return ctl_err("setresuid: %s", strerror(errno)), -1;
	/* Explicit, not left to the setuid fix-up: securebits could have kept them. */
	none = cap_init();
	if (!none)
		return ctl_err("cap_init: %s", strerror(errno)), -1;
	r = cap_set_proc(none);
	cap_free(none);
	if (r < 0)
		return ctl_err("cannot drop capabilities: %s", strerror(errno)), -1;
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (u->uid != 0 && (setuid(0) == 0 || geteuid() != u->uid || getegid() != u->gid))
		return ctl_err("could not drop root privileges"), -1;
	return 0;
}

/* A login-like environment, nothing inherited from the administrator but TERM. */
static int user_env(const struct account *acc)
{
	const char *term = getenv("TERM");
	_cleanup_free_ char *term_copy = term ? strdup(term) : NULL;
	const struct {
		const char *name, *value;
	} vars[] = {
	    {"HOME", acc->user.home},	{"USER", acc->user.name}, {"LOGNAME", acc->user.name},
	    {"SHELL", acc->user.shell}, {"PATH", USER_PATH},	  {"TERM", term_copy},
	};

	if (clearenv() != 0)
		return ctl_err("cannot clear the environment"), -1;
	for (size_t i = 0; i < ARRAY_SIZE(vars); i++)
		if (vars[i].value && setenv(vars[i].name, vars[i].value, 1) < 0)
			return ctl_err("setenv: %s", strerror(errno)), -1;
	return 0;
}

/* The user's shell, as a login shell ("-sh") when running as the user. */
static int exec_shell(const char *shell, bool login)
{
	const char *base = strrchr(shell, '/');
	_cleanup_free_ char *arg0 = NULL;
	char esc[128];

	base = base ? base + 1 : shell;
	if (asprintf(&arg0, "%s%s", login ? "-" : "", base) < 0)
		return ctl_err("out of memory"), -1;
	execl(shell, arg0, (char *)NULL);
	ctl_err("cannot run %s: %s", nsiso_escape(esc, sizeof(esc), shell), strerror(errno));
	return -1;
}

/* Join @uid's set; -1 reported (a user without a set included). */
static int enter_set(uid_t uid, const char *label)
{
	struct nsiso_registry reg = NSISO_REGISTRY_INIT;
	struct nsiso_error err = {0};
	int r = ctl_open_registry(&reg);

	if (r == 0)
		r = ctl_registry_has(&reg, uid);
	else if (r > 0)
		r = 0; /* no registry yet: no set either */
	if (r < 0)
		goto out;
	if (r == 0) {
		ctl_err("%s has no set", label);
		r = -1;
		goto out;
	}
	r = nsiso_admin_enter(&reg, uid, &err);
	if (r == NSISO_ABSENT) {
		ctl_err("%s has no set", label);
		r = -1;
	} else if (r < 0) {
		ctl_core_err(&err);
	}
out:
	/* The registry fds are O_CLOEXEC; closing them now also keeps them from the command. */
	nsiso_registry_close(&reg);
	return r < 0 ? -1 : 0;
}

int ctl_enter(const struct ctl_cmd *c, int argc, char **argv)
{
	struct account acc = {0};
	struct ctl_target t;
	struct ctl_args a;
	bool as_user;
	int status = CTL_OK;
	char esc[128];

	if (ctl_parse(c, argc, argv, &a, &status))
		return status;
	as_user = a.set[ctl_opt(c, "as-user")];
	/* The account is needed for --as-user and for the default shell; else a uid will do. */
	if (as_user || !a.rest) {
		if (load_account(a.pos[0], &acc) < 0)
			goto fail;
		t.uid = acc.user.uid;
		ctl_uid_label(t.uid, t.label, sizeof(t.label), NULL, 0);
	} else if (ctl_resolve(a.pos[0], &t) < 0) {
		goto fail;
	}
	if (enter_set(t.uid, t.label) < 0)
		goto fail;
	if (as_user) {
		if (drop_to_user(&acc.user) < 0 || user_env(&acc) < 0)
			goto fail;
		/* Like login(1): a missing or unreadable home is no reason to refuse. */
		if (chdir(acc.user.home) < 0 && chdir("/") < 0) {
			ctl_err("chdir /: %s", strerror(errno));
			goto fail;
		}
	} else if (chdir("/") < 0) {
		ctl_err("chdir /: %s", strerror(errno));
		goto fail;
	}
	if (!a.rest) {
		exec_shell(acc.user.shell, as_user);
		goto fail;
	}
	execvp(a.rest[0], a.rest);
	ctl_err("cannot run %s: %s", nsiso_escape(esc, sizeof(esc), a.rest[0]), strerror(errno));
fail:
	account_free(&acc);
	return CTL_FAIL;
}
