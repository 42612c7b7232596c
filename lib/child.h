/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Short-lived children of the PAM caller: creation, tear-down, hooks. */
#ifndef NSISO_CHILD_H
#define NSISO_CHILD_H

#include <signal.h>
#include <sys/types.h>

/*
 * fork() with SIGCHLD at its default disposition until nsiso_reap(): the
 * caller (sshd, su) may ignore SIGCHLD or reap in a handler, and either would
 * steal our child's exit status. pam_namespace does the same.
 */
pid_t nsiso_spawn(struct sigaction *saved);

/* waitpid() for @pid, then restore SIGCHLD. Exit status, 128+signal, or -1. */
int nsiso_reap(pid_t pid, const struct sigaction *saved);

#endif
