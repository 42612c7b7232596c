/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PIDFD_GET_*_NAMESPACE: the pidfd ioctls that open a process's namespace
 * without a path through /proc (Linux 6.11, include/uapi/linux/pidfd.h).
 *
 * Taken from <sys/pidfd.h>, glibc's wrapper, when it defines them (glibc
 * 2.41 and later): the uapi <linux/pidfd.h> itself cannot be included here,
 * it pulls <linux/fcntl.h>, whose struct flock and f_owner_ex clash with
 * glibc's <fcntl.h> in every translation unit that uses both.
 */
#ifndef NSISO_PIDFD_NS_H
#define NSISO_PIDFD_NS_H

#include <sys/ioctl.h>
#include <sys/pidfd.h>

/*
 * FALLBACK, for build headers older than the running kernel: the values of
 * include/uapi/linux/pidfd.h as of Linux 6.11, where these ioctls first
 * appeared (ABI: they never change). On an older kernel the ioctl fails
 * with ENOTTY; each caller says what it does then.
 */
#ifndef PIDFD_GET_MNT_NAMESPACE
#define PIDFS_IOCTL_MAGIC	0xFF
#define PIDFD_GET_IPC_NAMESPACE _IO(PIDFS_IOCTL_MAGIC, 2)
#define PIDFD_GET_MNT_NAMESPACE _IO(PIDFS_IOCTL_MAGIC, 3)
#define PIDFD_GET_NET_NAMESPACE _IO(PIDFS_IOCTL_MAGIC, 4)
#define PIDFD_GET_UTS_NAMESPACE _IO(PIDFS_IOCTL_MAGIC, 10)
#endif

#endif
