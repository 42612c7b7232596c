/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private to the policy code (lib/policy_*.c): the types and helpers its files
 * share. Nothing outside lib/policy_*.c includes this; the API is policy.h.
 */
#ifndef NSISO_POLICY_INT_H
#define NSISO_POLICY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <iniparser/iniparser.h>

#include "policy.h"

#define POLICY_MAX_SIZE NSISO_POLICY_MAX_BYTES
/* iniparser reads lines into 1024-byte buffers and fails longer ones. */
#define LINE_MAX_BYTES 1022
#define ESC_VALUE      64
#define ESC_NAME       80
#define HOSTNAME_MAX   64 /* HOST_NAME_MAX on Linux */
#define NO_SECTION     SIZE_MAX

struct strlist {
	char **v;
	size_t n;
};

void strlist_free(struct strlist *l);
/* Takes ownership of @s (freed on failure). */
int strlist_push(struct strlist *l, char *s);
bool strlist_has(const struct strlist *l, const char *s);

#define _cleanup_strlist_ __attribute__((cleanup(strlist_free)))

/* isspace() to match iniparser, which strips with it too. */
char *strip(char *s);

/* ------------------------------------------------------------------ */
/* Values and the key table (policy_keys.c)                            */

/*
 * One section's (or the defaults') values, private to policy_keys.c: a new
 * key adds its field there and nowhere else. The loader asks the few things
 * it needs across keys through the functions below.
 */
struct values;

#define EXEMPT_GROUP_WHY "exempt_groups:"

/* An empty set of values (filled by the parsers), NULL when out of memory. */
struct values *values_new(void);
void values_free(struct values *v);

/* For the check across keys (net = hook needs net_hook) and the [global]-only keys. */
bool values_net_is_hook(const struct values *v);
const char *values_net_hook(const struct values *v);
const struct strlist *values_exempt_users(const struct values *v);
const struct strlist *values_exempt_groups(const struct values *v);
enum nsiso_on_error values_on_error(const struct values *v);

/* What is wrong with a value, for the error message. */
struct problem {
	char msg[512];
};

/* A row of the key table (policy_keys.c, which says how a row is made and checked). */
struct key_def {
	const char *name;
	const char *def;     /* built-in default, parsed like a value from the file */
	const char *example; /* a valid value other than the default, for the tests */
	int (*parse)(const char *val, struct values *v, struct problem *pb);
	/* Both NULL for a key that is no per-user setting (exempt_users, exempt_groups). */
	int (*apply)(struct nsiso_settings *s, const struct values *v);
	void (*format)(const struct nsiso_settings *s, char *buf, size_t len);
	const struct nsiso_enum *words; /* an enum key's words, NULL for other keys */
	bool global_only;
	/*
	 * A list (LIST SYNTAX, list.h): its value is taken from the line as
	 * written. iniparser 4.1 keeps only the first quoted string of a value
	 * that starts with a quote ("a b", c gives a b) and cuts an unquoted
	 * value at ';' or '#' even inside quotes further on.
	 */
	bool list;
};

extern const struct key_def key_defs[NSISO_KEY__MAX];

const struct key_def *key_by_name(const char *name, enum nsiso_key *k);

#define KEY_BIT(k) (1u << (k))

/* ------------------------------------------------------------------ */
/* Sections and the policy object (policy_load.c)                      */

enum section_kind { SEC_GLOBAL, SEC_GROUP, SEC_USER };

struct section {
	char *name;	    /* as written, e.g. "group:Students"; also the source[] string */
	const char *target; /* the NAME part, inside name ("" for global) */
	enum section_kind kind;
	unsigned set; /* KEY_BIT(k) for every key given a valid value */
	unsigned bad; /* KEY_BIT(k) for every key given a rejected value (already reported) */
	unsigned line[NSISO_KEY__MAX];
	unsigned file[NSISO_KEY__MAX];	 /* index into the policy's files: where line[] is */
	unsigned first_file, first_line; /* where the section first appears */
	struct values *v;		 /* owned */
	/* Each key in @set as it was validated (stripped): what the policy cache replays. */
	char *raw[NSISO_KEY__MAX];
};

struct nsiso_policy {
	bool degraded;
	struct values *defaults; /* owned */
	struct strlist files;	 /* paths: the main file, then the drop-ins read */
	struct section *secs;	 /* valid sections, in order of first appearance */
	size_t n_secs;
	/* Effective [global]-only settings: from [global] when valid there, else defaults. */
	const struct strlist *exempt_users;
	const struct strlist *exempt_groups;
	enum nsiso_on_error on_error;
};

/* "<file>:<line>: [<section>] <key>", parts left out when unknown. */
void locate(char *buf, size_t len, const char *file, unsigned line, const char *sec,
	    const char *key);
/* Keep a copy of @msg in @all (may be NULL), or count it past the bound. */
void problems_add(struct nsiso_problems *all, const char *msg);

/* ------------------------------------------------------------------ */
/* Pre-pass and iniparser (policy_ini.c)                               */

enum item_kind { ITEM_SECTION, ITEM_KEY, ITEM_BAD };

struct item {
	enum item_kind kind;
	unsigned line;
	char *text;		/* section name or key as written (stripped) */
	char *value;		/* a key's value as written (stripped), for list keys */
	char *lc;		/* the dictionary key iniparser uses, NULL when unknown */
	const char *reason;	/* why the line is malformed (ITEM_BAD, or a bad section header) */
	unsigned first;		/* line of the first item with the same lc */
	const char *first_text; /* ... and its text as written */
	bool repeated;		/* another item has the same lc */
};

struct prepass {
	struct item *items;
	size_t n;
	size_t n_distinct; /* distinct lc values: iniparser's entry count when it agrees */
};

void prepass_free(struct prepass *pp);

#define _cleanup_prepass_ __attribute__((cleanup(prepass_free)))

int prepass_run(struct prepass *pp, const char *buf, size_t len);
/* Is there a NUL byte in @buf? Its line into *@line. */
bool find_nul(const char *buf, size_t len, unsigned *line);

/* iniparser's first message of the last ini_load() ("" when none). */
extern char ini_msg[512];
dictionary *ini_load(int fd);
unsigned ini_msg_line(void);

#endif
