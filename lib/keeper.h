/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The keeper: a mount namespace of the registry's own that holds every pin.
 *
 * Pins (bind-mounted nsfs files) in the host's mount table are copied into
 * every mount namespace created afterwards (services with PrivateTmp=,
 * containers, other users' sets) and cost each of them O(live sets). The
 * keeper is a mount namespace whose whole tree is one small tmpfs:
 *
 *   /                     tmpfs, root 0700, nothing of the host in it
 *     <uid>/{mnt,ipc,uts,net}   the pins of one user's set
 *
 * It has no process: it lives because the host pins *it*, once, at
 * /run/nsiso/keeper. A mount-namespace file is never copied into new
 * namespaces (the kernel skips them, to prevent reference loops), so the
 * host's table holds a constant number of pam_nsiso mounts whatever the
 * number of sets. Mounting and unmounting pins needs a process inside (the
 * kernel acts only on mounts of the caller's namespace): the caller visits
 * it with setns() and comes back (place.h). There is no /proc inside, so
 * pins are made with open_tree(OPEN_TREE_CLONE) + move_mount() on fds.
 */
#ifndef NSISO_KEEPER_H
#define NSISO_KEEPER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "error.h"
#include "nstable.h"

#define NSISO_KEEPER_NAME "keeper" /* under /run/nsiso */

/*
 * Open an nsfs file of type @ns: a pin (@follow false) or a /proc/PID/ns
 * magic link (@follow true), checked to be what it claims (NSFS_MAGIC,
 * NS_GET_NSTYPE). The fd, or -errno.
 */
int nsiso_nsfile_open(int dirfd, const char *name, enum nsiso_ns ns, bool follow, struct stat *st);

/* The kernel's id of the mount namespace open on @fd; 0 when it cannot tell. Never reused. */
uint64_t nsiso_mntns_id(int fd);

/*
 * Bind the namespace open on @ns_fd onto a new empty file @name under
 * @dirfd (which must be in the caller's mount namespace). 0, or 1 when the
 * kernel refuses a mount-namespace file as not newer than the caller's own
 * (the per-CPU id batches of kernel 6.18: try again from another CPU), or -1.
 * On failure the file is removed again.
 */
int nsiso_bind_nsfd(int ns_fd, int dirfd, const char *name, struct nsiso_error *err);

/*
 * Open the keeper through its pin under @root_fd (/run/nsiso): 0 with its
 * mount-namespace fd in *@fd and id in *@id; 1 when there is none (never
 * made: *@lost false) or its pin is gone (an administrator's umount -l: the
 * file is there, not an nsfs file: *@lost true); -errno otherwise.
 */
int nsiso_keeper_open(int root_fd, int *fd, uint64_t *id, bool *lost);

/*
 * Make a new keeper and pin it at @root_fd/keeper (the caller is in the
 * registry's mount namespace and holds registry.lock). It is made on the CPU
 * whose namespace ids are the oldest, so that sets made later on any CPU
 * get larger ids and can be pinned in it at the first try; its id must
 * still be larger than @binder_id (the caller's own mount namespace) for the
 * host to pin it. The caller ends where it started.
 */
int nsiso_keeper_create(int root_fd, struct nsiso_error *err);

/* Inside the keeper (the caller visits it): unmount everything stacked on @path (absolute). */
void nsiso_keeper_unmount_all(const char *path);

#endif
