/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Short-lived children of the PAM caller: the creation child (a caller that
 * cannot come back), the tear-down child (a multithreaded caller), the net
 * hook. Each acts for root and for nobody else.
 *
 * The caller may be setuid: `su` runs with the invoking user's real uid and
 * that user's terminal. A plain fork() would hand the child that real uid:
 * the invoker could signal it (kill(2) compares the sender's real or
 * effective uid with the target's real or saved uid), a "#!/bin/sh" hook
 * would drop to the invoker (dash does when ruid != euid), and a stopped
 * child would keep su, and the lock of the user su is for, waiting forever.
 */
#ifndef NSISO_CHILD_H
#define NSISO_CHILD_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

/* How long a creation or tear-down child may take (they need milliseconds). */
#define NSISO_CHILD_TIMEOUT_MS 30000
/* After SIGKILL at the deadline, how long to wait for the kernel to reap it. */
#define NSISO_CHILD_REAP_MS 5000

struct nsiso_child {
	pid_t pid;		/* -1: none */
	int pidfd;		/* exit notification; -1 without pidfd_open (then polled) */
	long deadline;		/* CLOCK_MONOTONIC, ms */
	struct sigaction saved; /* the caller's SIGCHLD disposition, restored by the wait */
};

#define NSISO_CHILD_INIT                                                                           \
	{                                                                                          \
		.pid = -1, .pidfd = -1                                                             \
	}

/*
 * fork() a child that may run for at most @timeout_ms. In the parent: 1,
 * with c->pid set; -1 with errno when fork() fails (nothing changed). In the
 * child: 0, once it is
 *   - root through and through: real, effective and saved uid and gid 0, no
 *     supplementary groups (kept only where the kernel forbids dropping
 *     them: a user namespace with setgroups denied);
 *   - out of the invoker's reach: not dumpable (no ptrace, /proc files
 *     root's), the leader of a session of its own (no controlling terminal,
 *     so no ^C or hang-up from the invoker's terminal; its process group is
 *     its pid);
 *   - bound to the caller: SIGKILL when the caller's thread dies
 *     (PR_SET_PDEATHSIG, set after the credential change, which clears it).
 * A child that cannot get there _exit()s with 127 before doing anything.
 * SIGCHLD is at its default disposition until nsiso_child_wait(): the caller
 * (sshd, su) may ignore it or reap in a handler, which would steal the exit
 * status.
 */
int nsiso_child_start(struct nsiso_child *c, int timeout_ms);

/*
 * Wait for the child until its deadline, handing what it writes on @fd (-1:
 * nothing to read) to @sink as it comes. A stopped or hung child is killed
 * at the deadline (SIGKILL to its process group and to itself) and reaped,
 * that too bounded (NSISO_CHILD_REAP_MS). SIGCHLD is restored on every path.
 * Returns the exit status, 128+signal, -ETIMEDOUT (killed at the deadline),
 * or -errno.
 */
int nsiso_child_wait(struct nsiso_child *c, int fd, void (*sink)(void *, const char *, size_t),
		     void *ctx);

#endif
