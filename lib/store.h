/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A user's one RAM-backed store. Every tmpfs directory of every set a user
 * has (the tmp_dirs with tmp = tmpfs, and /dev/shm) is a directory of one
 * tmpfs, mounted in the keeper next to the pins:
 *
 *   keeper: /<uid>/tmp/          tmpfs "nsiso-tmp", root 0700, size = tmp_size,
 *                                xattr trusted.nsiso.owner: its account (when it can be set)
 *             g<N>/              one generation: the directories of one set
 *               t.<instance>     1777, bound onto one of the set's tmp_dirs
 *               shm              1777, bound onto the set's /dev/shm
 *
 * Why per user and not per set: a set can end while processes still use it
 * (lifetime = session, a reused uid's rebuild); if each set had a tmpfs of
 * its own, N login cycles that each leave a process behind would hold N
 * tmpfs of tmp_size each. With one store, whatever a user does, what they
 * can keep in RAM through private tmp dirs is tmp_size (docs/architecture.md).
 *
 * A new set gets a fresh generation (an empty /tmp, as before); a
 * generation is removed when nothing uses it any more (no mount table on
 * the machine holds it: nsiso_store_reap); the store itself is unmounted
 * when the user has no set and not one inode of it is in use, which only
 * the kernel's own count can tell (an open file of a removed generation, a
 * user's detached mount: nothing in /proc shows those).
 *
 * N is CLOCK_BOOTTIME in nanoseconds when the generation was made: unique
 * and growing for the life of a store, which never outlives a boot.
 */
#ifndef NSISO_STORE_H
#define NSISO_STORE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "policy.h"
#include "registry.h"
#include "user.h"
#include "util.h"

#define NSISO_STORE_DIRS_MAX (NSISO_MAX_TMP_DIRS + 1) /* the tmp_dirs and /dev/shm */

/* The store as a new set uses it: one generation, its directories ready to mount. */
struct nsiso_store {
	int keeper_fd; /* the keeper's mount namespace (borrowed from the registry) */
	int root_fd;   /* the store's root, opened in the keeper: fd-based work from anywhere */
	uint64_t dev;  /* its st_dev (recorded as the set's tmpdev) */
	uint64_t gen;  /* the generation made for the new set */
	unsigned n;    /* directories in it */
	char sub[NSISO_STORE_DIRS_MAX][NAME_MAX + 1]; /* their names in the generation */
	const char *path[NSISO_STORE_DIRS_MAX];	      /* where each goes in the set */
	int dir_fd[NSISO_STORE_DIRS_MAX];
	int tree[NSISO_STORE_DIRS_MAX]; /* a detached clone of dir_fd[i] (nsiso_store_clone) */
	/*
	 * Borrowed: the caller's mount namespace while the creation knows it (-1:
	 * each visit opens its own): a visit notes its way back with it, without
	 * a pidfd_open() + ioctl() (~6 us each).
	 */
	int here_mnt_fd;
};

void nsiso_store_init(struct nsiso_store *st);

/* @size in bytes (a percentage of the RAM as the kernel counts it); 0 when unknown. */
uint64_t nsiso_size_bytes(const struct nsiso_size *size);

/*
 * In the keeper: find @u's store (a store made for another account that had
 * the uid is detached from the keeper: its processes keep it, this account
 * gets one of its own) or make it, of @size; give an existing one @size (a
 * store in use above a smaller size keeps its size: the kernel refuses);
 * make generation st->gen with the st->n directories named in st->sub[].
 * The caller holds the user's lock; st->n 0: nothing to do.
 */
int nsiso_store_prepare(const struct nsiso_registry *r, const struct nsiso_user *u,
			const struct nsiso_size *size, struct nsiso_store *st,
			struct nsiso_error *err);

/*
 * Clone each directory of the generation into st->tree[], to be mounted in
 * the new set. open_tree() clones only mounts of the caller's own mount
 * namespace: this is a visit to the keeper, made from inside the new set
 * (a clone made before it would be older than the set's own mounts and be
 * listed before its parent in the set's mountinfo, which is ordered by age).
 */
int nsiso_store_clone(struct nsiso_store *st, struct nsiso_error *err);

/* A creation failed: remove its generation, close everything. */
void nsiso_store_discard(struct nsiso_store *st);

/* Close everything (the generation stays, in use by the new set). */
void nsiso_store_close(struct nsiso_store *st);

/*
 * Remove the generations of @uid's store that nothing uses any more: no
 * mount table on the machine (every /proc/PID/mountinfo, each mount
 * namespace read once; the registry's @host_ino and the keeper's never) holds
 * a mount of it.
 * @keep: the generation of the user's live set (0: none), always kept.
 * @self: a process whose table is not read (0: none): the closing session,
 * still inside the set it tears down. With @drop, no live set and no
 * generation left, the store is unmounted from the keeper when the kernel
 * counts no inode in use but its root (and owner xattr) (a file still open,
 * a directory a user's detached mount holds: it stays, bounded as ever).
 * The caller holds the user's lock. 1 no store (any more), 0 kept, -1.
 */
int nsiso_store_reap(const struct nsiso_registry *r, uid_t uid, uint64_t keep, pid_t self,
		     uint64_t host_ino, bool drop, struct nsiso_error *err);

/*
 * The same with the store's root opened already, by nsiso_store_open_here()
 * in an earlier keeper visit under the same lock (a tear-down looks it up in
 * the visit that removes the pins: one visit fewer, ~20 us). @store_root is
 * taken (closed here); a negative one is that lookup's -errno.
 */
int nsiso_store_reap_at(const struct nsiso_registry *r, uid_t uid, int store_root, uint64_t keep,
			pid_t self, uint64_t host_ino, bool drop, struct nsiso_error *err);

/* Inside the keeper (a visit): @uid's store's root, -ENOENT when none, or -errno. */
int nsiso_store_open_here(uid_t uid);

/* What a store holds now (statfs): bytes and inodes in use. */
struct nsiso_store_use {
	uint64_t bytes, inodes;
};

/*
 * Give @uid's store, the one on device @dev (the set's tmpdev), @size now
 * (with @apply; without, only check): 0 done (or would be), 1 @size is
 * below what the store holds (*@use says what; nothing changed), -1 (also
 * when no store on @dev is mounted in the keeper). The caller holds the
 * user's lock; it visits the keeper and comes back.
 */
int nsiso_store_resize(const struct nsiso_registry *r, uid_t uid, uint64_t dev,
		       const struct nsiso_size *size, bool apply, struct nsiso_store_use *use,
		       struct nsiso_error *err);

/*
 * Add to *@gens the generations of the store on device @dev that the mount
 * table of /proc/@pid (@procfd: /proc) holds: each mount of @dev whose root
 * is in a generation gives its N, a mount of anything else of @dev gives 0.
 * 0, -ESRCH when the table cannot be read (the process is gone), -ENOMEM.
 */
int nsiso_store_table_gens(int procfd, const char *pid, uint64_t dev, struct nsiso_u64s *gens);

#endif
