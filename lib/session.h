/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One login session in a user's set: what open and close do, in order. */
#ifndef NSISO_SESSION_H
#define NSISO_SESSION_H

#include <stdbool.h>

#include "error.h"
#include "policy.h"
#include "registry.h"
#include "user.h"

enum nsiso_action {
	NSISO_ACTION_CREATE, /* no valid set existed: made one, joined it */
	NSISO_ACTION_JOIN,   /* joined the existing set */
};

/*
 * What nsiso_session_open() got through, in order, success or not: the
 * front-end's debug lines (the core itself never logs).
 */
enum nsiso_step {
	NSISO_STEP_HOST,     /* the caller sat in a set (or a foreign mount ns): moved to PID 1's */
	NSISO_STEP_REGISTRY, /* the registry is open (mounted on first use) */
	NSISO_STEP_LOCKED,   /* the user's lock is held */
	NSISO_STEP_NO_SET,   /* no set is recorded */
	NSISO_STEP_FOUND,    /* the recorded set's pins all check out */
	NSISO_STEP_INVALID,  /* the recorded set does not check out: discarded */
	NSISO_STEP_RESOLVED, /* the policy's settings for the user: .settings */
	NSISO_STEP_CREATED,  /* a new set is made, pinned and recorded: .attempts */
	NSISO_STEP_RECORDED, /* the session record is written */
	NSISO_STEP_JOINED,   /* the caller is in the set (setns, mnt last) */
};

#define NSISO_STEPS_MAX 12

/*
 * A set made while NSS could not look up a group the decision depends on
 * (an outage) is provisional: its record names the groups. At each later
 * login the decision is made again.
 */
enum nsiso_provisional {
	NSISO_PROV_NONE,      /* not provisional */
	NSISO_PROV_CREATED,   /* made now, provisional (.unresolved says on what) */
	NSISO_PROV_STILL,     /* joined: the lookups still fail (.unresolved) */
	NSISO_PROV_CONFIRMED, /* joined: they work now and change nothing for the user */
	NSISO_PROV_REBUILT,   /* they work now and would change it: nobody was in it, made again */
	NSISO_PROV_KEPT_BUSY, /* ... but sessions or processes are in it: joined, still provisional
			       */
};

struct nsiso_open_result {
	enum nsiso_action action;
	struct nsiso_setrec rec; /* the set now joined */
	int attempts;		 /* unshares a creation took (per-CPU quirk) */
	bool from_set;		 /* the caller started inside a set and went through the host */
	bool rebuilt;		 /* an invalid set (bad pin) was discarded */
	bool foreign_owner;	 /* the discarded set was another account's (a reused uid) */
	bool keeper_rebuilt;	 /* the keeper's pin was lost: a new keeper, every set invalid */
	bool resolved;		 /* settings holds the policy's answer for the user */
	struct nsiso_settings settings; /* resolved only to make a set; nsiso_open_result_free() */
	enum nsiso_provisional provisional;
	struct nsiso_unresolved unresolved; /* the lookups that failed (CREATED, STILL) */
	bool rundir_refreshed;		    /* the set's /run/user/UID was stale: now the host's */
	char rundir_error[256];		    /* why it could not be refreshed ("" when it could) */
	char share_note[256]; /* tmp_share entries a creation left out, and why ("" none) */
	unsigned char steps[NSISO_STEPS_MAX]; /* enum nsiso_step, in the order they were done */
	unsigned nsteps;
};

struct nsiso_close_result {
	bool deferred;	   /* the closing process has given up root: nothing done (gc will) */
	uid_t caller_euid; /* its effective uid then */
	bool torn_down;
	unsigned live_sessions;	 /* other sessions still open */
	bool processes_left;	 /* lifetime processes: something still runs inside */
	uid_t uid;		 /* whose set */
	struct nsiso_setrec rec; /* the set as recorded (ns_mask 0: none was) */
};

/* Kept from open to close (PAM data): what close needs from inside the set. */
struct nsiso_session;

/*
 * Can this process switch namespaces at all? CAP_SYS_ADMIN and CAP_SYS_CHROOT
 * (setns of a mount namespace), and a single thread (setns(CLONE_NEWNS) is
 * refused in a multithreaded process, and a fork()ed child of one is unsafe).
 * *@start (may be NULL): the caller's start time, for its session record.
 */
int nsiso_caller_check(uint64_t *start, struct nsiso_error *err);

/*
 * Put the caller in @u's set: join it, or make it when there is no valid one.
 * The policy's settings for @u are resolved only in the second case: a set,
 * once made, keeps what it was made with until it is released, so a join
 * needs nothing of them (nor the user's groups that [group:] sections ask
 * for), unless the set is provisional (enum nsiso_provisional). Exemption
 * is the caller's question, asked before: @exempt_un (may be NULL) names
 * the exempt_groups it could not look up.
 * Free @res with nsiso_open_result_free() whatever the outcome.
 */
int nsiso_session_open(struct nsiso_user *u, const struct nsiso_policy *p,
		       const struct nsiso_unresolved *exempt_un, struct nsiso_session **out,
		       struct nsiso_open_result *res, struct nsiso_error *err);

void nsiso_open_result_free(struct nsiso_open_result *res);

int nsiso_session_close(struct nsiso_session *sess, struct nsiso_close_result *res,
			struct nsiso_error *err);

void nsiso_session_free(struct nsiso_session *sess);

/*
 * For an exempt user with from_set = host: when the caller sits inside a set
 * (an administrator's `su -` from a user's shell), move it to the host's
 * namespaces through /proc/1/ns. *@moved says whether it did. Not in a set: 0.
 * On failure the caller is where it was: every namespace of PID 1 is opened
 * before the first setns(), and a failed setns() is undone.
 */
int nsiso_return_to_host(bool *moved, struct nsiso_error *err);

/*
 * The caller's own namespace inodes, for every kind a set can hold: bit i of
 * *@mask set where @ino[i] is known (for the log line of a session that is
 * not in a set of its own).
 */
void nsiso_caller_inodes(uint64_t ino[NSISO_NS__MAX], unsigned *mask);

#endif
