/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "util.h"

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/*
 * In a user namespace made by `unshare -r` the kernel refuses setgroups()
 * (/proc/self/setgroups is "deny", so that nobody sheds a group that a
 * negative permission names): the caller's groups stay, as they are for the
 * caller itself.
 */
static bool setgroups_denied(void)
{
	char buf[8] = "";
	int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 && strncmp(buf, "deny", 4) == 0;
}

/* Groups first, then gid, then uid: each step needs the privilege the next one gives up. */
static int become_root(void)
{
	if (setgroups(0, NULL) < 0 && !(errno == EPERM && setgroups_denied()))
		return -1;
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return -1;
	return 0;
}

/* In the child, right after fork(). */
static int child_setup(pid_t parent)
{
	if (become_root() < 0)
		return -1;
	/* A credential change clears both: they come after it. */
	if (prctl(PR_SET_DUMPABLE, 0) < 0 || prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return -1;
	/* The caller may have died before the death signal was armed. */
	if (getppid() != parent)
		return -1;
	return setsid() < 0 ? -1 : 0;
}

/*
 * The child must never carry the invoker's uid, not even between fork() and
 * its own credential change: the invoker could stop it right then. A setuid
 * caller (su) takes real and saved uid 0 for the fork and goes back to its
 * own right after; with the effective uid untouched, that changes neither
 * its capabilities, nor its dumpable flag, nor its death signal.
 */
struct uids {
	uid_t r, e, s;
	bool lifted;
};

static void lift_uids(struct uids *u)
{
	u->lifted = getresuid(&u->r, &u->e, &u->s) == 0 && (u->r != 0 || u->s != 0) &&
		    setresuid(0, (uid_t)-1, 0) == 0;
}

static int restore_uids(const struct uids *u)
{
	return u->lifted ? setresuid(u->r, (uid_t)-1, u->s) : 0;
}

int nsiso_child_start(struct nsiso_child *c, int timeout_ms)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	pid_t parent = getpid(), pid;
	struct uids ids;
	int e;

	*c = (struct nsiso_child)NSISO_CHILD_INIT;
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGCHLD, &dfl, &c->saved);
	lift_uids(&ids);
	pid = fork();
	e = errno;
	/* Cannot fail with the effective uid 0 kept; if it did, no child goes on. */
	if (pid != 0 && restore_uids(&ids) < 0) {
		e = errno;
		if (pid > 0 && kill(pid, SIGKILL) == 0)
			waitpid(pid, NULL, 0);
		pid = -1;
	}
	if (pid < 0) {
		sigaction(SIGCHLD, &c->saved, NULL);
		errno = e;
		return -1;
	}
	if (pid == 0) {
		if (child_setup(parent) < 0)
			_exit(127);
		return 0;
	}
	c->pid = pid;
	c->deadline = now_ms() + timeout_ms;
	/* The pid cannot be reused before we reap it: no race in opening it after fork(). */
	c->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	return 1;
}

static int exit_code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* 1 reaped (*@status), 0 still running, -errno. */
static int try_reap(const struct nsiso_child *c, int *status)
{
	pid_t r;

	do
		r = waitpid(c->pid, status, WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return r == c->pid;
}

/* Whatever @fd has right now (the child is gone: nothing more will come from it). */
static void drain(int fd, void (*sink)(void *, const char *, size_t), void *ctx)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char buf[512];
	ssize_t n;

	while (fd >= 0 && poll(&p, 1, 0) > 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		if (sink)
			sink(ctx, buf, (size_t)n);
}

/*
 * Sleep until the child exits, @fd has data, or @ms pass. Without a pidfd,
 * exits are noticed by polling every 20 ms.
 */
static void wait_event(const struct nsiso_child *c, int fd, long ms, bool *readable)
{
	struct pollfd p[2] = {{.fd = c->pidfd, .events = POLLIN}, {.fd = fd, .events = POLLIN}};

	if (c->pidfd < 0 && ms > 20)
		ms = 20;
	*readable = poll(p, 2, (int)(ms > 0 ? ms : 0)) > 0 && (p[1].revents & (POLLIN | POLLHUP));
}

/* SIGKILL to the child's process group and to itself, then reap it, bounded. */
static int kill_and_reap(const struct nsiso_child *c)
{
	long until = now_ms() + NSISO_CHILD_REAP_MS;
	int status, r;
	bool unused;

	kill(-c->pid, SIGKILL);
	kill(c->pid, SIGKILL);
	while ((r = try_reap(c, &status)) == 0 && now_ms() < until)
		wait_event(c, -1, until - now_ms(), &unused);
	return r < 0 ? r : -ETIMEDOUT;
}

static int wait_loop(struct nsiso_child *c, int fd, void (*sink)(void *, const char *, size_t),
		     void *ctx)
{
	int status, r;

	for (;;) {
		long left = c->deadline - now_ms();
		bool readable;

		if ((r = try_reap(c, &status)) != 0) {
			if (r < 0)
				return r;
			drain(fd, sink, ctx);
			return exit_code(status);
		}
		if (left <= 0)
			return kill_and_reap(c);
		wait_event(c, fd, left, &readable);
		if (readable) {
			char buf[512];
			ssize_t n = read(fd, buf, sizeof(buf));

			if (n > 0 && sink)
				sink(ctx, buf, (size_t)n);
			else if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
				fd = -1; /* EOF: only the exit is left to wait for */
		}
	}
}

int nsiso_child_wait(struct nsiso_child *c, int fd, void (*sink)(void *, const char *, size_t),
		     void *ctx)
{
	int ret = wait_loop(c, fd, sink, ctx);

	sigaction(SIGCHLD, &c->saved, NULL);
	if (c->pidfd >= 0)
		close(c->pidfd);
	c->pidfd = -1;
	c->pid = -1;
	return ret;
}
