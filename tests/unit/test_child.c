/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for lib/child.c: the module's children are root through and
 * through, out of the invoker's reach, and never waited for past their
 * deadline. The invoker is simulated as su looks to the kernel: real uid
 * NOBODY, effective and saved uid 0, the invoker's groups. Needs root
 * (skipped otherwise).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "child.h"
#include "util.h"

#define NOBODY 65534

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void need_root(void)
{
	if (geteuid() != 0)
		skip();
}

/* The credential state of a setuid su run by NOBODY (in a forked test process only). */
static void become_su(void)
{
	gid_t groups[] = {NOBODY, 100};

	if (setgroups(ARRAY_SIZE(groups), groups) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
	    setresuid(NOBODY, 0, 0) < 0)
		_exit(90);
}

/* "Uid:", "Gid:", "Groups:" lines of /proc/self/status, squeezed, into @out. */
static void status_ids(char *out, size_t len)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	size_t used = 0;

	out[0] = '\0';
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "Uid:", 4) && strncmp(line, "Gid:", 4) &&
		    strncmp(line, "Groups:", 7))
			continue;
		for (char *p = line; *p && used + 1 < len; p++) {
			char ch = *p == '\t' ? ' ' : *p == '\n' ? '|' : *p;

			if (!(ch == ' ' && used && out[used - 1] == ' '))
				out[used++] = ch;
		}
	}
	out[used] = '\0';
	if (f)
		fclose(f);
}

struct text {
	char buf[1024];
	size_t used;
};

static void collect(void *ctx, const char *buf, size_t n)
{
	struct text *t = ctx;

	if (n > sizeof(t->buf) - 1 - t->used)
		n = sizeof(t->buf) - 1 - t->used;
	memcpy(t->buf + t->used, buf, n);
	t->used += n;
	t->buf[t->used] = '\0';
}

/*
 * In a forked "su": start a child that writes its ids, dumpability and
 * session, then report all of it (and the wait's result) on @out.
 */
static void su_reports_child(int out)
{
	struct nsiso_child c;
	struct text t = {0};
	int p[2], r;

	become_su();
	if (pipe2(p, O_CLOEXEC) < 0)
		_exit(91);
	r = nsiso_child_start(&c, 5000);
	if (r < 0)
		_exit(92);
	if (r == 0) {
		char ids[512];

		status_ids(ids, sizeof(ids));
		dprintf(p[1], "%s dumpable=%d sid_is_pid=%d", ids, prctl(PR_GET_DUMPABLE),
			getsid(0) == getpid());
		_exit(7);
	}
	close(p[1]);
	r = nsiso_child_wait(&c, p[0], collect, &t);
	dprintf(out, "%s status=%d", t.buf, r);
	_exit(0);
}

static void test_child_is_root(void **state)
{
	struct text t = {0};
	int p[2], status;
	pid_t pid;

	need_root();
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		su_reports_child(p[1]);
	close(p[1]);
	for (ssize_t n; (n = read(p[0], t.buf + t.used, sizeof(t.buf) - 1 - t.used)) > 0;)
		t.used += (size_t)n;
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_string_equal(t.buf, "Uid: 0 0 0 0|Gid: 0 0 0 0|Groups: | dumpable=0 sid_is_pid=1 "
				   "status=7");
}

/* As the invoker (every uid NOBODY): may it signal or trace @pid? "kill=E ptrace=E" (errno). */
static void invoker_pokes(pid_t pid, int out)
{
	int k, t;

	if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
	    setresuid(NOBODY, NOBODY, NOBODY) < 0)
		_exit(93);
	k = kill(pid, 0) == 0 ? 0 : errno;
	t = ptrace(PTRACE_ATTACH, pid, 0, 0) == 0 ? 0 : errno;
	if (t == 0)
		ptrace(PTRACE_DETACH, pid, 0, 0);
	dprintf(out, "kill=%d ptrace=%d", k, t);
	_exit(0);
}

/* In a forked "su": a child that waits; the invoker pokes at it; then the deadline kills it. */
static void su_child_poked(int out)
{
	struct nsiso_child c;
	struct text t = {0};
	int p[2], r, status;
	pid_t poker;

	become_su();
	if (pipe2(p, O_CLOEXEC) < 0)
		_exit(91);
	r = nsiso_child_start(&c, 1500);
	if (r < 0)
		_exit(92);
	if (r == 0) {
		close(p[1]);
		for (;;)
			pause();
	}
	poker = fork();
	if (poker == 0)
		invoker_pokes(c.pid, p[1]);
	close(p[1]);
	for (ssize_t n; (n = read(p[0], t.buf + t.used, sizeof(t.buf) - 1 - t.used)) > 0;)
		t.used += (size_t)n;
	waitpid(poker, &status, 0);
	r = nsiso_child_wait(&c, -1, NULL, NULL);
	dprintf(out, "%s wait=%d", t.buf, r);
	_exit(0);
}

static void test_child_untouchable(void **state)
{
	struct text t = {0};
	char want[64];
	int p[2], status;
	pid_t pid;

	need_root();
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		su_child_poked(p[1]);
	close(p[1]);
	for (ssize_t n; (n = read(p[0], t.buf + t.used, sizeof(t.buf) - 1 - t.used)) > 0;)
		t.used += (size_t)n;
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	snprintf(want, sizeof(want), "kill=%d ptrace=%d wait=%d", EPERM, EPERM, -ETIMEDOUT);
	assert_string_equal(t.buf, want);
}

/* A child that stops itself, or hangs: killed at the deadline and reaped, in bounded time. */
static void bounded(bool stop)
{
	struct nsiso_child c;
	long t0 = now_ms();
	int r = nsiso_child_start(&c, 300);
	pid_t pid;

	assert_true(r >= 0);
	if (r == 0) {
		if (stop)
			raise(SIGSTOP);
		sleep(60);
		_exit(0);
	}
	pid = c.pid;
	assert_int_equal(nsiso_child_wait(&c, -1, NULL, NULL), -ETIMEDOUT);
	assert_true(now_ms() - t0 < 300 + 2000);
	/* Reaped: not a zombie left behind, nothing left to wait for. */
	assert_int_equal(waitpid(pid, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static void test_child_stopped(void **state)
{
	bounded(true);
}

static void test_child_hung(void **state)
{
	bounded(false);
}

/* Output and exit status come back; SIGCHLD is the caller's again afterwards. */
static void test_child_output(void **state)
{
	struct sigaction ign = {.sa_handler = SIG_IGN}, old, now;
	struct nsiso_child c;
	struct text t = {0};
	int p[2], r;

	sigemptyset(&ign.sa_mask);
	sigaction(SIGCHLD, &ign, &old);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	r = nsiso_child_start(&c, 5000);
	assert_true(r >= 0);
	if (r == 0) {
		dprintf(p[1], "first line\nsecond");
		_exit(3);
	}
	close(p[1]);
	assert_int_equal(nsiso_child_wait(&c, p[0], collect, &t), 3);
	close(p[0]);
	assert_string_equal(t.buf, "first line\nsecond");
	sigaction(SIGCHLD, &old, &now);
	assert_true(now.sa_handler == SIG_IGN);
}

/* The child dies with the caller: nothing of the module outlives the login that started it. */
static void test_child_dies_with_caller(void **state)
{
	int p[2], status;
	pid_t mid, orphan = 0;

	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	mid = fork();
	assert_true(mid >= 0);
	if (mid == 0) {
		struct nsiso_child c;
		int ready[2], r;
		char b;

		if (pipe2(ready, O_CLOEXEC) < 0 || (r = nsiso_child_start(&c, 60000)) < 0)
			_exit(1);
		if (r == 0) {
			/* Set up (death signal armed): say so, then wait to be killed. */
			if (write(ready[1], "r", 1) != 1)
				_exit(1);
			for (;;)
				pause();
		}
		close(ready[1]);
		if (read(ready[0], &b, 1) != 1)
			_exit(1);
		dprintf(p[1], "%d", (int)c.pid);
		_exit(0);
	}
	close(p[1]);
	{
		char buf[32] = "";
		ssize_t n = read(p[0], buf, sizeof(buf) - 1);

		if (n > 0)
			orphan = (pid_t)atoi(buf);
	}
	close(p[0]);
	assert_int_equal(waitpid(mid, &status, 0), mid);
	assert_true(orphan > 0);
	/* Re-parented to us (the subreaper), killed by the death signal. */
	assert_int_equal(waitpid(orphan, &status, 0), orphan);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	prctl(PR_SET_CHILD_SUBREAPER, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_child_is_root), cmocka_unit_test(test_child_untouchable),
	    cmocka_unit_test(test_child_stopped), cmocka_unit_test(test_child_hung),
	    cmocka_unit_test(test_child_output),  cmocka_unit_test(test_child_dies_with_caller),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
