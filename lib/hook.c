/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "child.h"
#include "fsutil.h"
#include "hook.h"
#include "util.h"

#define HOOK_MAX_ARGS 8

/* "KEY PATH: why": the log line of a refused hook says which key it is. */
static int name_the_hook(struct nsiso_error *err, const char *key, const char *path)
{
	char msg[sizeof(err->msg)], ep[256];

	if (!err)
		return -1;
	memcpy(msg, err->msg, sizeof(msg));
	snprintf(err->msg, sizeof(err->msg), "%s %s: %.*s", key, nsiso_escape(ep, sizeof(ep), path),
		 (int)(sizeof(msg) - sizeof(ep) - 32), msg);
	return -1;
}

int nsiso_hook_open(const char *key, const char *path, struct nsiso_error *err)
{
	_cleanup_close_ int exe = -1;
	struct stat st;
	char ep[256];

	exe = nsiso_open_trusted(path, O_PATH, NSISO_ERR_UNSAFE, &st, err);
	if (exe < 0)
		return name_the_hook(err, key, path);
	if (!S_ISREG(st.st_mode) || !(st.st_mode & 0100))
		return nsiso_fail(err, NSISO_ERR_UNSAFE, 0, "%s %s is not an executable file", key,
				  nsiso_escape(ep, sizeof(ep), path));
	return nsiso_steal_fd(&exe);
}

/* In the hook's child (already root and nobody else's: nsiso_child_start()). */
static __attribute__((noreturn)) void hook_exec(int exe, int out, const char *path,
						const char *const *args)
{
	/* CVE-2010-3853 (pam_namespace): a hook must not inherit the caller's environment. */
	static char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
	char *argv[HOOK_MAX_ARGS + 2] = {(char *)path};
	sigset_t none;
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

	for (size_t i = 0; i < HOOK_MAX_ARGS && args[i]; i++)
		argv[i + 1] = (char *)args[i];
	/* The creation blocks every signal in the caller: the mask is inherited, not wanted. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	umask(022); /* not the caller's: what the hook creates is the same whoever logs in */
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0 ||
	    dup2(exe, 3) < 0 || chdir("/") < 0)
		_exit(127);
	/* fd 3 stays open across exec: a "#!" script is read through /dev/fd/3. */
	close_range(4, ~0U, 0);
	execveat(3, "", argv, envp, AT_EMPTY_PATH);
	_exit(127);
}

/* The first line of the hook's output, for the log line of a failure. */
struct first_line {
	char text[200];
	size_t used;
	bool done;
};

static void keep_first_line(void *ctx, const char *buf, size_t n)
{
	struct first_line *l = ctx;

	for (size_t i = 0; i < n && !l->done; i++) {
		if (buf[i] == '\n' || l->used + 1 >= sizeof(l->text))
			l->done = true;
		else
			l->text[l->used++] = buf[i];
	}
	l->text[l->used] = '\0';
}

static int hook_verdict(int status, const char *key, const char *path, int timeout_ms,
			const struct first_line *line, struct nsiso_error *err)
{
	char esc[256], ep[256];

	nsiso_escape(esc, sizeof(esc), line->text);
	nsiso_escape(ep, sizeof(ep), path);
	if (status == -ETIMEDOUT)
		return nsiso_fail(err, NSISO_ERR_SYSTEM, ETIMEDOUT, "%s %s killed after %d ms", key,
				  ep, timeout_ms);
	if (status < 0)
		return nsiso_syserr(err, -status, "cannot wait for %s %s", key, ep);
	if (status != 0)
		return nsiso_fail(err, NSISO_ERR_SYSTEM, 0, "%s %s failed with status %d%s%s", key,
				  ep, status, *line->text ? ": " : "", esc);
	return 0;
}

int nsiso_hook_run(int exe, const char *key, const char *path, const char *const *args,
		   int timeout_ms, unsigned flags, struct nsiso_error *err)
{
	_cleanup_close_ int out_r = -1, out_w = -1;
	struct nsiso_child child;
	struct first_line line = {0};
	int fds[2], status;
	pid_t pgid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return nsiso_syserr(err, errno, "pipe");
	out_r = fds[0], out_w = fds[1];
	status = nsiso_child_start(&child, timeout_ms);
	if (status < 0)
		return nsiso_syserr(err, errno, "cannot fork %s", key);
	if (status == 0)
		hook_exec(exe, out_w, path, args);
	close(nsiso_steal_fd(&out_w));
	pgid = child.pid; /* a session leader: its process group is its pid */
	status = nsiso_child_wait(&child, out_r, keep_first_line, &line);
	/*
	 * The group outlives its reaped leader while a member is alive, and the
	 * kernel hands out no pid still in use as a group id: this reaches the
	 * hook's leftovers and nothing else.
	 */
	if (status != 0 && (flags & NSISO_HOOK_KILL_GROUP_ON_FAILURE))
		(void)kill(-pgid, SIGKILL);
	return hook_verdict(status, key, path, timeout_ms, &line, err);
}
