/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The run-time registry, /run/nsiso (root 0700):
 *
 *   /run/nsiso/                 self bind mount, MS_PRIVATE: nothing mounted below
 *                               leaks into /run's peers (services, containers)
 *     registry.lock             flock: first-time setup, a lost keeper's rebuild
 *     keeper                    the keeper's mount namespace (keeper.h), pinned: the
 *                               one nsfs mount of pam_nsiso in the host's table. The
 *                               pins of every set live inside it, as <uid>/<ns>
 *     users/<uid>/              root 0700
 *       lock                    flock: everything about this uid's set
 *       set                     commit record, written last (rename): a set is
 *                               valid only when this exists, names the live
 *                               keeper, and every pin matches the inode recorded here
 *       sessions/<pid>-<start>  one empty file per open session; <start> is the
 *                               process start time, so a recycled pid is dead
 *
 * Everything is keyed by uid, never by the (attacker-influenced) user name.
 */
#ifndef NSISO_REGISTRY_H
#define NSISO_REGISTRY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "error.h"
#include "nstable.h"
#include "policy.h"
#include "user.h"

#define NSISO_RUNDIR "/run/nsiso"

struct nsiso_registry {
	int root_fd;	     /* /run/nsiso */
	int users_fd;	     /* /run/nsiso/users */
	int keeper_fd;	     /* the keeper's mount namespace, through its pin */
	uint64_t keeper_id;  /* its kernel id: sets record it (never reused, unlike an inode) */
	bool keeper_rebuilt; /* this open found the keeper's pin lost and made a new one */
};

#define NSISO_REGISTRY_INIT                                                                        \
	{                                                                                          \
		.root_fd = -1, .users_fd = -1, .keeper_fd = -1, .keeper_id = 0,                    \
		.keeper_rebuilt = false                                                            \
	}

/* The commit record of one user's set. */
struct nsiso_setrec {
	unsigned ns_mask;
	uint64_t ino[NSISO_NS__MAX]; /* namespace inode per pinned namespace */
	uint64_t dev;		     /* st_dev of nsfs (all namespaces share it) */
	uint64_t keeper;	     /* id of the keeper holding the pins (NS_GET_MNTNS_ID) */
	uint64_t tmp_dev;	     /* st_dev of the user's tmpfs (store.h), 0 when none */
	uint64_t tmp_gen;	     /* the set's generation in it, 0 when none */
	int64_t created;	     /* CLOCK_REALTIME seconds */
	enum nsiso_lifetime lifetime;
	char netns[65]; /* /run/netns name of the net namespace, "" when none */
	char
	    user[257]; /* whose set: the account name at creation (a reused uid is not the owner) */
	/*
	 * Provisional: groups NSS could not look up when the set was made (an
	 * outage); its settings may be wrong for the user until they resolve.
	 */
	struct nsiso_unresolved unresolved;
	/*
	 * The settings the set was made with, for nsisoctl apply to compare with
	 * the policy now in force (settings_known: the record has them; one
	 * written before they were recorded has not).
	 */
	bool settings_known;
	enum nsiso_tmp_mode tmp;
	enum nsiso_propagation propagation;
	enum nsiso_net_mode net;
	struct nsiso_size tmp_size;
	char hostname[65];    /* as set in its UTS namespace; "" the host's name at creation */
	char tmp_dirs[1024];  /* nsiso_setrec_tmp_dirs(): the list, one string */
	char tmp_share[1024]; /* nsiso_setrec_tmp_share(): "NAME:ro NAME:rw ..." */
};

/* The longest record written or read (the settings' lists take most of it). */
#define NSISO_SETREC_MAX 8192

/*
 * Note @s and the expanded @hostname (NULL: the host's) in @rec, as the set is
 * made with them. -1 when they cannot be recorded (a list too long for the
 * record): the set is then recorded without them (settings_known false).
 */
int nsiso_setrec_note_settings(struct nsiso_setrec *rec, const struct nsiso_settings *s,
			       const char *hostname);

/*
 * tmp_dirs as one string, as the record keeps it: the paths separated by
 * blanks, each '%', blank or control byte as %XX. -1 when it does not fit in @len.
 */
int nsiso_setrec_tmp_dirs(const struct nsiso_settings *s, char *buf, size_t len);
/*
 * tmp_share the same way, each name followed by ":ro" or ":rw"; "" when the
 * set's /tmp is not private (nothing is shared then).
 */
int nsiso_setrec_tmp_share(const struct nsiso_settings *s, char *buf, size_t len);

/*
 * Open the registry in the caller's mount namespace, creating and mounting it
 * on first use (under registry.lock) when @create. 0: open. NSISO_INSIDE_SET:
 * the caller sits inside a set (its placeholder is on /run/nsiso), nothing
 * opened. NSISO_ABSENT (only without @create): no registry is set up here.
 * -1: an error; kind NSISO_ERR_UNSAFE, without changing anything, for a
 * /run/nsiso that is a symlink, not root-owned, or group/world accessible.
 */
int nsiso_registry_open(struct nsiso_registry *r, bool create, struct nsiso_error *err);

/* The same where being inside a set is an error (the registry must be reached from here). */
int nsiso_registry_open_host(struct nsiso_registry *r, bool create, struct nsiso_error *err);
void nsiso_registry_close(struct nsiso_registry *r);

/*
 * Is the caller inside a set? Only the set's placeholder on /run/nsiso is
 * looked at (one open, one fstatfs): the state of the registry itself does not
 * matter to this question, so an unsafe registry cannot lock out an exempt user.
 */
bool nsiso_registry_inside_set(void);

/*
 * One user's directory, users/<uid>, opened once and locked: every record of
 * that user is read and written through this one fd, so a whole decision is
 * made on the directory that was locked (never on one looked up again by
 * path), and a login walks the path once instead of once per record.
 */
struct nsiso_userdir {
	uid_t uid;
	int fd;	     /* users/<uid> */
	int lock_fd; /* users/<uid>/lock, flocked */
};

#define NSISO_USERDIR_INIT                                                                         \
	{                                                                                          \
		.uid = (uid_t)-1, .fd = -1, .lock_fd = -1                                          \
	}

/*
 * Open users/<uid> (creating it when @create) and flock its lock file: 0.
 * Without @create and no such directory: NSISO_ABSENT, nothing held (the uid
 * has never had a set: nothing to do for an administrator). -1 error.
 */
int nsiso_registry_lock_user(const struct nsiso_registry *r, uid_t uid, bool create,
			     struct nsiso_userdir *out, struct nsiso_error *err);

/* Unlock and close; harmless on NSISO_USERDIR_INIT. */
void nsiso_userdir_close(struct nsiso_userdir *u);
#define _cleanup_userdir_ __attribute__((cleanup(nsiso_userdir_close)))

/* 0 and *rec when a record exists, NSISO_ABSENT when none or torn, -1 on error. */
int nsiso_registry_read_set(const struct nsiso_userdir *u, struct nsiso_setrec *rec,
			    struct nsiso_error *err);
int nsiso_registry_write_set(const struct nsiso_userdir *u, const struct nsiso_setrec *rec,
			     struct nsiso_error *err);
int nsiso_registry_remove_set(const struct nsiso_userdir *u, struct nsiso_error *err);

/*
 * /run/nsiso/names/<name>: which uid's set holds /run/netns/<name>
 * (netns_name). The template maps odd bytes to '-' and cuts names, so two
 * accounts can get the same name; the second must not take the first one's.
 * Claim: 0 when the name is now (or already was) @uid's; -1 (kind POLICY)
 * when another uid's recorded set holds it. A claim whose uid has no set
 * naming it any more is stale and is taken over.
 */
int nsiso_registry_claim_name(const struct nsiso_registry *r, uid_t uid, const char *name,
			      struct nsiso_error *err);
/* Drop @uid's claim of @name (NULL: nothing); another uid's claim is left alone. */
void nsiso_registry_release_name(const struct nsiso_registry *r, uid_t uid, const char *name);

/*
 * Session records. Removing one that is not there (or from a uid without a
 * sessions directory) is done: 0.
 */
int nsiso_registry_add_session(const struct nsiso_userdir *u, pid_t pid, uint64_t start,
			       struct nsiso_error *err);
int nsiso_registry_remove_session(const struct nsiso_userdir *u, pid_t pid, uint64_t start,
				  struct nsiso_error *err);
/* Count the live session records, deleting dead ones. */
int nsiso_registry_live_sessions(const struct nsiso_userdir *u, unsigned *count,
				 struct nsiso_error *err);

struct nsiso_sessinfo {
	pid_t pid;
	uint64_t start;
};

/* Same, returning the live ones in *@list (free()), when @list is not NULL. */
int nsiso_registry_sessions(const struct nsiso_userdir *u, struct nsiso_sessinfo **list, size_t *n,
			    struct nsiso_error *err);

/*
 * Pure helpers (unit-tested). A set record is "key=value" lines: version=2,
 * mask= (the sum of each pinned kind's record_bit, an explicit column of
 * lib/nstable.c, not the enum's order: mnt 1, ipc 2, uts 4, net 8), dev=,
 * keeper=, created=, lifetime=, then one "<kind>=<inode>" per kind in the
 * mask, and the optional lines (tmpdev=, tmpgen=, netns=, user=, settings).
 */
int nsiso_setrec_format(const struct nsiso_setrec *rec, char *buf, size_t len);
int nsiso_setrec_parse(const char *text, struct nsiso_setrec *rec);
int nsiso_sessrec_name(pid_t pid, uint64_t start, char *buf, size_t len);
int nsiso_sessrec_parse(const char *name, pid_t *pid, uint64_t *start);

#endif
