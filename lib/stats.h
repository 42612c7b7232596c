/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Counters of the module's decisions since boot: /run/nsiso/stats, one small
 * file of fixed layout (root 0600), read by `nsisoctl list --prometheus`.
 *
 *   offset  size  field
 *        0     8  magic "NSISOSTA"
 *        8     4  version (1), host byte order like everything below
 *       12     4  header size (64): where the counters start
 *       16     4  slots (32): how many u64 counters follow
 *       20     4  zero
 *       24     8  created: CLOCK_REALTIME seconds when this file was made
 *       32    32  zero
 *       64   256  u64 counters, slot = enum nsiso_decision; the slots past
 *                 NSISO_DECISION__MAX are zero, room for later actions
 *
 * /run is a tmpfs: the file, and so every counter, starts again at boot. It
 * is made (whole, then linked into place) by the first decision that finds
 * none in the registry; a decision never makes the registry itself, so those
 * made before the first set since boot (refusals, exempt logins: they change
 * nothing on the machine) go uncounted. A decision adds 1 under a POSIX record lock (per process,
 * so a forked child that inherited the descriptor is excluded too), read-modify- write with
 * pread/pwrite: never through a mapping, which a truncated file would turn into SIGBUS in sshd.
 *
 * Counting is best effort: it never fails a login and never waits long (the
 * lock is tried for at most a few milliseconds). A file that does not check
 * out (size, magic, version, layout, owner, mode, links, not a regular file)
 * is never written to; `nsisoctl list --prometheus` reports it and puts a new
 * one in its place.
 */
#ifndef NSISO_STATS_H
#define NSISO_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct stat;

/* The actions of the decision line (pam_nsiso(8), LOGGING), in slot order: never reorder. */
enum nsiso_decision {
	NSISO_DECISION_CREATE,	 /* a set was made and joined */
	NSISO_DECISION_JOIN,	 /* the existing set was joined */
	NSISO_DECISION_DENY,	 /* the login was refused */
	NSISO_DECISION_EXEMPT,	 /* exempt: left where it was */
	NSISO_DECISION_HOST,	 /* exempt, opened inside a set: moved to the host */
	NSISO_DECISION_ALLOW,	 /* a failure, on_error = allow: no isolation */
	NSISO_DECISION_DEFER,	 /* a close without privileges: left to nsisoctl gc */
	NSISO_DECISION_TEARDOWN, /* a close ended the set */
	NSISO_DECISION_KEEP,	 /* a close left the set (sessions or processes remain) */
	NSISO_DECISION__MAX
};

#define NSISO_STATS_FILE    "stats"
#define NSISO_STATS_MAGIC   "NSISOSTA"
#define NSISO_STATS_VERSION 1u
#define NSISO_STATS_SLOTS   32u

struct nsiso_stats_file {
	char magic[8];
	uint32_t version;
	uint32_t header_size;
	uint32_t slots;
	uint32_t zero0;
	int64_t created;
	uint8_t zero1[32];
	uint64_t counter[NSISO_STATS_SLOTS];
};

/* The word of the decision line and of the metric's action label ("create", ...). */
const char *nsiso_decision_word(enum nsiso_decision d);

/*
 * Count one decision. Never fails, never blocks for long, keeps errno. Works
 * wherever the caller is: in the host's namespaces, inside a set (where
 * /run/nsiso is a placeholder: the registry is reached through PID 1's root),
 * or, once this process has counted, after it gave up root (a close of
 * systemd's (sd-pam)): the descriptor is kept for the life of the process.
 */
void nsiso_stats_count(enum nsiso_decision d);

/*
 * Open the file for the next nsiso_stats_count() of this process (made as
 * that would make it) through @regdir, /run/nsiso as the core has just opened
 * and checked it in the registry's mount namespace (PID 1's: the directory
 * nsiso_stats_count() reaches through /proc/1/root). A login that reaches the
 * registry anyway then counts without walking /proc/1/root/run/nsiso again
 * (~12 us). Nothing when the process has a descriptor already. Never fails,
 * keeps errno.
 */
void nsiso_stats_open_at(int regdir);

/* What `nsisoctl list --prometheus` reports. */
struct nsiso_stats {
	int64_t created;
	uint64_t count[NSISO_DECISION__MAX];
};

/*
 * Read the counters through /run/nsiso (never creates it). 0 read;
 * NSISO_ABSENT no file (no decision since boot: *@out is all zero); -1 error: kind NSISO_ERR_UNSAFE
 * when the file does not check out (the message says why), SYSTEM otherwise.
 */
int nsiso_stats_read(struct nsiso_stats *out, struct nsiso_error *err);

/*
 * Put a new, zeroed file in place of whatever is at /run/nsiso/stats (a
 * symlink or a broken file is replaced, never followed or written to).
 */
int nsiso_stats_reset(struct nsiso_error *err);

/* Pure checks (unit-tested): 0, or -1 with why in @why (a phrase: "is empty"). */
int nsiso_stats_check_bytes(const void *buf, size_t len, char *why, size_t whylen);
int nsiso_stats_check_stat(const struct stat *st, char *why, size_t whylen);

/* A fresh file's bytes. */
void nsiso_stats_init(struct nsiso_stats_file *f, int64_t created);

#endif
