/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mqprobe create|exists NAME: mq_open(3) in the caller's IPC namespace, for
 * tests/integration/t_mqueue.sh. Prints "yes", "ENOENT" or the error.
 */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	mqd_t q;

	if (argc != 3)
		return 2;
	if (strcmp(argv[1], "create") == 0)
		q = mq_open(argv[2], O_CREAT | O_EXCL | O_RDWR, 0644, NULL);
	else
		q = mq_open(argv[2], O_RDONLY);
	if (q == (mqd_t)-1) {
		puts(errno == ENOENT ? "ENOENT" : strerror(errno));
		return 1;
	}
	puts("yes");
	return 0;
}
