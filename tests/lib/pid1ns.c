/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pid1ns: exit 0 when this process can open PID 1's mount namespace either
 * way the module tries (pidfd + PIDFD_GET_MNT_NAMESPACE, /proc/1/ns/mnt), for
 * tests/integration/t_log.sh; says which ways work.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pidfd_ns.h"

int main(void)
{
	int pidfd = (int)syscall(SYS_pidfd_open, 1, 0), ioc = -1, proc;

	if (pidfd >= 0)
		ioc = ioctl(pidfd, PIDFD_GET_MNT_NAMESPACE, 0);
	proc = open("/proc/1/ns/mnt", O_RDONLY | O_CLOEXEC);
	printf("pidfd ioctl %s, /proc/1/ns/mnt %s\n", ioc >= 0 ? "opens" : "refused",
	       proc >= 0 ? "opens" : "refused");
	return ioc >= 0 || proc >= 0 ? 0 : 1;
}
