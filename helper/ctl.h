/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nsisoctl internals shared by the command files (one file per command group):
 * argument parsing, reporting, user and registry look-ups, JSON and time output.
 */
#ifndef NSISOCTL_CTL_H
#define NSISOCTL_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "admin.h"
#include "error.h"
#include "registry.h"

/*
 * Exit status of nsisoctl (enter: the command's own once it runs; apply:
 * CTL_REBUILD when a set needs a rebuild or a release the policy cannot
 * give it in place).
 */
enum { CTL_OK = 0, CTL_FAIL = 1, CTL_USAGE = 2, CTL_REBUILD = 3 };

#define CTL_MAX_OPTS 4
#define CTL_MAX_POS  2

/* One long option of a command ("--json", "--config FILE"). */
struct ctl_opt {
	const char *name; /* without the leading "--" */
	bool has_arg;
};

struct ctl_cmd {
	const char *name;
	const char *synopsis; /* what follows the command name in the usage line */
	const char *summary;  /* one line for the tool's --help */
	const char *help;     /* the command's --help, after the usage line */
	struct ctl_opt opts[CTL_MAX_OPTS];
	unsigned min_pos, max_pos; /* positional arguments before any "--" */
	bool takes_rest;	   /* "-- ARGS..." are handed over as they are (enter) */
	int (*run)(const struct ctl_cmd *c, int argc, char **argv);
};

/* The parsed command line of one command. */
struct ctl_args {
	const char *pos[CTL_MAX_POS];
	unsigned n_pos;
	const char *val[CTL_MAX_OPTS]; /* argument of an option, or "" for a flag */
	bool set[CTL_MAX_OPTS];
	char **rest; /* after "--" (takes_rest only), NULL-terminated; NULL when none */
};

/*
 * Parse argv[1..] of command @c: 0 parsed, or 1 when the command must return
 * *@status at once (CTL_OK after printing its --help, CTL_USAGE after a
 * one-line error).
 */
int ctl_parse(const struct ctl_cmd *c, int argc, char **argv, struct ctl_args *a, int *status);

/* Index of option @name in @c->opts (a programming error when absent: aborts). */
unsigned ctl_opt(const struct ctl_cmd *c, const char *name);

/* "nsisoctl: ..." on stderr, one line. */
void ctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* ctl_err, then the command's usage line; returns CTL_USAGE. */
int ctl_usage_err(const struct ctl_cmd *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Report a core error; returns CTL_FAIL. */
int ctl_core_err(const struct nsiso_error *e);

/* The command table and the help printers (nsisoctl.c). */
extern const struct ctl_cmd ctl_cmds[];
extern const size_t ctl_n_cmds;
void ctl_print_usage(FILE *f, const struct ctl_cmd *c);

/* Commands. */
int ctl_list(const struct ctl_cmd *c, int argc, char **argv);
int ctl_show(const struct ctl_cmd *c, int argc, char **argv);
int ctl_enter(const struct ctl_cmd *c, int argc, char **argv);
int ctl_release(const struct ctl_cmd *c, int argc, char **argv);
int ctl_gc(const struct ctl_cmd *c, int argc, char **argv);
int ctl_apply(const struct ctl_cmd *c, int argc, char **argv);
int ctl_check(const struct ctl_cmd *c, int argc, char **argv);
int ctl_explain(const struct ctl_cmd *c, int argc, char **argv);

/* ---- users ---- */

/*
 * A USER argument: a name known to NSS, or else a decimal uid (a deleted
 * account can still have a set). @label gets "NAME (uid N)" or "uid N",
 * escaped for printing.
 */
struct ctl_target {
	uid_t uid;
	char label[160];
};
int ctl_resolve(const char *arg, struct ctl_target *t);

/* "NAME (uid N)" from NSS, or "uid N"; @name gets the bare name or the decimal uid. */
void ctl_uid_label(uid_t uid, char *label, size_t llen, char *name, size_t nlen);

/* ---- registry ---- */

/*
 * Open the registry without creating it. NSISO_ABSENT when there is none yet
 * (no login ever made a set: not an error), 0 opened, -1 reported on stderr.
 */
int ctl_open_registry(struct nsiso_registry *reg);

/*
 * Does @uid have a directory in the registry? 1 yes, 0 no, -1 reported.
 * Asked before anything that takes the user's lock, which would create one.
 */
int ctl_registry_has(const struct nsiso_registry *reg, uid_t uid);

/* ---- output ---- */

/* ISO 8601 UTC, "2025-01-31T12:00:00Z". */
void ctl_iso_time(int64_t t, char *buf, size_t len);
/* Start time of a process (clock ticks since boot, /proc/PID/stat) as wall-clock seconds. */
int64_t ctl_ticks_to_time(uint64_t ticks);
/* "1.5G"-style sizes for humans. */
void ctl_human_size(uint64_t bytes, char *buf, size_t len);

/* A JSON string literal: quotes, escapes, control bytes as \u00XX, bad UTF-8 as U+FFFD. */
void ctl_json_str(FILE *f, const char *s);

#endif
