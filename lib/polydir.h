/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private /tmp, /var/tmp (tmp_dirs), /dev/shm and /dev/mqueue of a set.
 * Runs in the creating login process, after unshare(), in the set's new mount namespace.
 */
#ifndef NSISO_POLYDIR_H
#define NSISO_POLYDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "policy.h"
#include "store.h"
#include "user.h"

#define NSISO_STATEDIR "/var/lib/nsiso"

/*
 * Which directories of the user's store (store.h) a set made with @s
 * mounts, and where: st->n, st->sub[], st->path[] (the tmp_dirs with
 * tmp = tmpfs, then /dev/shm when IPC is isolated).
 */
int nsiso_polydir_plan(const struct nsiso_settings *s, struct nsiso_store *st,
		       struct nsiso_error *err);

/*
 * Mount the set's private directories (the caller is in the new mount
 * namespace): the persistent instance dirs, the store's directories (the
 * generation nsiso_store_prepare made), a fresh /dev/mqueue.
 */
int nsiso_polydir_setup(const struct nsiso_user *u, const struct nsiso_settings *s,
			struct nsiso_store *st, struct nsiso_error *err);

/*
 * Instance directory name for a tmp dir, systemd-style path escaping
 * ("/var/tmp" -> "var-tmp"): injective, so two tmp dirs never share an instance.
 */
int nsiso_instance_name(const char *path, char *buf, size_t len);

/*
 * Bound SysV shared memory and message queues of the caller's IPC namespace
 * by @size (tmp_size): its kernel.shmmax, shmall and msgmni. @fresh: the
 * namespace was just made, so msgmni is still the kernel's initial value
 * and is left alone where the bound is that value anyway.
 */
int nsiso_polydir_bound_sysv(const struct nsiso_size *size, bool fresh, struct nsiso_error *err);

/*
 * Remove the persistent tmp dirs of @uid, NSISO_STATEDIR/<uid> and all in
 * it (nsiso_remove_tree: no symlink followed, no mount point crossed).
 * *@removed: there were some. The caller holds the user's lock and knows
 * no session uses them.
 */
int nsiso_polydir_purge(uid_t uid, bool *removed, struct nsiso_error *err);

#endif
