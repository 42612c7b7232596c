/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"

pid_t nsiso_spawn(struct sigaction *saved)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	pid_t pid;

	sigemptyset(&dfl.sa_mask);
	sigaction(SIGCHLD, &dfl, saved);
	pid = fork();
	if (pid < 0)
		sigaction(SIGCHLD, saved, NULL);
	return pid;
}

int nsiso_reap(pid_t pid, const struct sigaction *saved)
{
	int status = 0;
	pid_t r;

	do
		r = waitpid(pid, &status, 0);
	while (r < 0 && errno == EINTR);
	sigaction(SIGCHLD, saved, NULL);
	if (r < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
