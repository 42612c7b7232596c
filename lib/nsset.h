/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kernel mechanics of a set: create and pin, validate and join, tear down. */
#ifndef NSISO_NSSET_H
#define NSISO_NSSET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "nstable.h"
#include "policy.h"
#include "registry.h"
#include "user.h"

/* Namespace fds of one set, or of the host; -1 where not used. */
struct nsiso_nsfds {
	int fd[NSISO_NS__MAX];
	uint64_t ino[NSISO_NS__MAX]; /* st_ino of fd[i] when known (validated pins), else 0 */
};

/* Every fd -1, however many kinds the table has (a 0 would be taken for an open fd). */
#define NSISO_NSFDS_INIT                                                                           \
	{                                                                                          \
		.fd = { [0 ... NSISO_NS__MAX - 1] = -1 }                                           \
	}

void nsiso_nsfds_close(struct nsiso_nsfds *f);

/* Inode of fd @i of @f (the namespace's id on nsfs): recorded, else fstat; 0 when unknown. */
uint64_t nsiso_nsfds_ino(const struct nsiso_nsfds *f, enum nsiso_ns i);

/*
 * Create @u's set as @s says and pin it in the keeper (the caller holds the
 * user's lock, is in the registry's mount namespace, single-threaded, and
 * has removed any stale pins). @hostname is the expanded name or NULL to
 * keep the host's.
 *
 * No child is forked: the caller itself unshares, builds the set, comes back
 * to where it started (its namespaces, root and cwd), visits the keeper to
 * pin the set and comes back again (docs/architecture.md, "Creating a set").
 * On success *@rec describes the pins (the caller commits it with
 * nsiso_registry_write_set), *@fds holds the new set's namespaces, ready to
 * join, and *@attempts says how many unshares it took (the per-CPU
 * namespace-id quirk); @note (@note_len bytes) says which tmp_share entries
 * were left out and why ("" when none). On failure no pin is left behind and the caller is
 * where it started (-1); it is stranded only when the kernel refuses the way
 * back (then the error says so).
 */
int nsiso_nsset_create(const struct nsiso_registry *r, const struct nsiso_user *u,
		       const struct nsiso_settings *s, const char *hostname, const char *netns_name,
		       struct nsiso_setrec *rec, struct nsiso_nsfds *fds, int *attempts, char *note,
		       size_t note_len, struct nsiso_error *err);

/*
 * Open and validate every pin of @rec (a visit to the keeper): an nsfs file
 * (NSFS_MAGIC), of the right type (NS_GET_NSTYPE), with the recorded inode,
 * in the keeper the record names. 0 when all good, 1 when the set is invalid
 * (missing, swapped or foreign pin, another keeper: rebuild it), -1 on error.
 */
int nsiso_nsset_open(const struct nsiso_registry *r, uid_t uid, const struct nsiso_setrec *rec,
		     struct nsiso_nsfds *out, struct nsiso_error *err);

/*
 * The same from a caller that has its own mount namespace open on
 * @own_mnt_fd already (-1: it is opened here): the visit then costs no
 * pidfd_open() + ioctl() to note where to come back to (~6 us of a join).
 */
int nsiso_nsset_open_from(const struct nsiso_registry *r, int own_mnt_fd, uid_t uid,
			  const struct nsiso_setrec *rec, struct nsiso_nsfds *out,
			  struct nsiso_error *err);

/*
 * Open the namespaces of process @pid (0: the caller) for every bit of @mask
 * whose fd in *@out is still -1 (fds already there are kept).
 */
int nsiso_nsset_open_pid(pid_t pid, unsigned mask, struct nsiso_nsfds *out,
			 struct nsiso_error *err);

/*
 * setns() the caller into every open fd of @target, mount namespace last.
 * All or nothing: if one fails, the ones already switched are switched back,
 * to the caller's namespaces as *@origin holds them (may be NULL or partly
 * filled: the rest is opened here; *@origin itself is left as it was).
 */
int nsiso_nsset_join(const struct nsiso_nsfds *target, const struct nsiso_nsfds *origin,
		     struct nsiso_error *err);

/*
 * Remove @uid's pins (whatever exists of them), and /run/netns/@netns_name
 * when not NULL. Works from any mount namespace: the caller visits the
 * keeper (and, for the /run/netns name, @host_mnt_fd, the registry's
 * namespace, when it is elsewhere) and comes back. Only a multithreaded
 * caller, which setns() refuses, has it done by a short-lived child.
 * @host_mnt_fd -1: the caller knows it is in the registry's namespace.
 */
int nsiso_nsset_remove_pins(const struct nsiso_registry *r, int host_mnt_fd, uid_t uid,
			    const char *netns_name, struct nsiso_error *err);

/*
 * The same for a login's tear-down, in one keeper visit with the look-up of
 * the user's store that the tear-down's nsiso_store_reap_at() needs next
 * (~20 us less than a visit each). @host_mnt_fd: the registry's mount
 * namespace; @at_registry: the caller stands in it (the visit then notes the
 * way back with that fd, and the /run/netns name is unpinned in place).
 * *@store_root: the store's root or nsiso_store_open_here()'s -errno; -EAGAIN
 * when it was not looked up (a child did the work, or an error: on -1 nothing
 * is left open).
 */
int nsiso_nsset_unpin(const struct nsiso_registry *r, int host_mnt_fd, bool at_registry, uid_t uid,
		      const char *netns_name, int *store_root, struct nsiso_error *err);

/*
 * Count processes other than @self (0: none excluded) still in @rec's set,
 * stopping at @limit (0: no limit): those whose mount namespace is the
 * set's, and those in a mount namespace made from inside it (a user's
 * unshare -rm, bubblewrap, rootless podman), which still holds the set's
 * tmpfs (@rec->tmp_dev in its mount table). @host_mnt_ino: the registry's
 * mount namespace, whose table is never read. A /proc scan: O(processes),
 * plus one mountinfo read per other mount namespace.
 */
int nsiso_nsset_count_processes(const struct nsiso_setrec *rec, uint64_t host_mnt_ino, pid_t self,
				unsigned limit, unsigned *count, struct nsiso_error *err);

#endif
