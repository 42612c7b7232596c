/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One error object per call chain. Every fallible core function returns <0 and
 * fills it; only the front-ends (PAM module, nsisoctl) report it.
 */
#ifndef NSISO_ERROR_H
#define NSISO_ERROR_H

#include <stddef.h>

enum nsiso_errkind {
	NSISO_ERR_NONE = 0,
	NSISO_ERR_SYSTEM, /* a system call failed: see .errnum */
	NSISO_ERR_POLICY, /* the policy file is broken or unsafe */
	NSISO_ERR_UNSAFE, /* on-disk state is unsafe (ownership, mode, symlink) */
	NSISO_ERR_USER,	  /* the user is unknown or their name is unusable */
	NSISO_ERR_CALLER, /* the calling process cannot do this (caps, threads) */
};

struct nsiso_error {
	enum nsiso_errkind kind;
	int errnum; /* errno value, 0 when not a system error */
	char msg[1024];
};

/*
 * Expected outcomes that are not errors: positive return codes, the error
 * object left untouched. A function that can return one says which in its
 * header comment (docs/architecture.md, "Return values"); callers steer on
 * them, never on the error object's errnum.
 */
enum nsiso_outcome {
	NSISO_ABSENT = 1,     /* nothing there: no registry, no directory, no set */
	NSISO_INSIDE_SET = 2, /* the caller is inside a set, not in the host's mount namespace */
};

/*
 * Fill @err (when it is not NULL and not already set) and return -1.
 * A first error is kept: cleanup paths must not overwrite the cause.
 * @errnum 0 means "not an errno"; otherwise ": strerror" is appended.
 */
int nsiso_fail(struct nsiso_error *err, enum nsiso_errkind kind, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Shorthand for system-call failures: kind SYSTEM with the given errno. */
#define nsiso_syserr(err, errnum, ...) nsiso_fail((err), NSISO_ERR_SYSTEM, (errnum), __VA_ARGS__)

void nsiso_error_clear(struct nsiso_error *err);

#endif
