/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The policy cache: a login does not re-parse an unchanged policy.
 *
 * One file in the root-only registry per policy path holds one entry:
 * /run/nsiso/policy.cache for the default path, policy.<hash of the
 * path>.cache for another config= (nsiso_pcache_entry_name()), so that
 * services with policies of their own do not evict each other's entry at
 * every login. Its key is the list of (path, content) of the policy files (the
 * main file, then its drop-ins in the order they are read), and its value a
 * valid policy in the form of nsiso_policy_serialize(). A lookup still walks
 * and checks the policy file and its drop-in directory and reads every file
 * (nsiso_policy_read_files(): the trusted path, ownership and mode can change
 * without the content changing), and compares the list with the entry's,
 * byte for byte: a drop-in added, removed or renamed changes the list, an
 * edit within one timestamp tick, or with the old size and mtime restored,
 * changes a content; each is a miss, and no hash can collide. A drop-in that
 * cannot be used makes the policy broken: it is parsed, never looked up. Anything doubtful about
 * the entry (missing, for other files, damaged, truncated, of another format, not a root-owned 0600
 * regular file, too large) is a miss, and a miss is a full load, exactly as
 * nsiso_policy_load() does it. Only a policy that loaded with no problem at
 * all is stored; a broken one is parsed every time, so every login reports
 * it as before.
 */
#ifndef NSISO_POLICYCACHE_H
#define NSISO_POLICYCACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "policy.h"

#define NSISO_PCACHE_NAME "policy.cache"
/* Room for an entry's name, nsiso_pcache_entry_name(). */
#define NSISO_PCACHE_NAME_MAX 40
/*
 * Bump when the layout or a rule that is not replayed (INI syntax, duplicates,
 * the merge of drop-ins) changes. 2: the drop-ins (files and each key's file).
 */
#define NSISO_PCACHE_FORMAT 2u
/* An entry larger than this is refused unread (policy files are at most 1 MiB together). */
#define NSISO_PCACHE_MAX_SIZE  (4u << 20)
#define NSISO_PCACHE_MAX_FILES NSISO_POLICY_MAX_FILES

/* One policy file of a key: its path as given and its bytes. */
struct nsiso_pcache_file {
	const char *path;
	const char *content;
	size_t len;
};

struct nsiso_pcache_key {
	const struct nsiso_pcache_file *files;
	size_t n;
};

/* What the cache did in one load, for the module's debug line. Strings are static. */
struct nsiso_pcache_result {
	bool hit;	   /* the policy came from the cache: nothing was parsed */
	const char *miss;  /* why it was parsed ("no entry", ...); NULL on a hit */
	const char *store; /* after a parse: "stored", "not stored: ..."; NULL when not tried */
	int store_errno;   /* errno of a store that failed in a system call, else 0 */
};

/*
 * The name of the entry, in the registry, for the policy at @path:
 * NSISO_PCACHE_NAME for NSISO_DEFAULT_CONFIG, "policy.<16 hex digits of
 * nsiso_blob_sum(path)>.cache" for any other. Two paths with the same sum
 * share one entry and evict each other, no more: the key holds the paths.
 */
void nsiso_pcache_entry_name(const char *path, char *buf, size_t len);

/*
 * nsiso_policy_load() (no problem list) through the cache in @dir: the same
 * return value, *@out and @err, for a good and a broken file alike; *@res
 * (never NULL) says whether it was a hit. Failures of the cache itself are
 * never errors: a lookup that cannot be made is a miss, a store that cannot
 * be made is only reported in *@res.
 *
 * @dir must be a root-owned directory with no access for group and others,
 * and not read-only (inside a user's set /run/nsiso is an empty read-only
 * tmpfs: the cache is then not used at all). It is never created here: a
 * login that does not reach the registry never depends on its state.
 */
int nsiso_policy_load_cached_at(const char *dir, const char *path, struct nsiso_policy **out,
				struct nsiso_pcache_result *res, struct nsiso_error *err);

/* The same in the registry, /run/nsiso. */
int nsiso_policy_load_cached(const char *path, struct nsiso_policy **out,
			     struct nsiso_pcache_result *res, struct nsiso_error *err);

/*
 * The entry's bytes, exposed for the unit tests and the fuzzer.
 * nsiso_pcache_encode: 0 and a malloc'ed *@blob, -EINVAL (a degraded policy,
 * too many files) or -ENOMEM. nsiso_pcache_decode: 0 and the policy when
 * @blob is an intact entry for exactly @key, else -1 with a static *@why.
 */
int nsiso_pcache_encode(const struct nsiso_pcache_key *key, const struct nsiso_policy *p,
			char **blob, size_t *len);
int nsiso_pcache_decode(const char *blob, size_t len, const struct nsiso_pcache_key *key,
			struct nsiso_policy **out, const char **why);

#endif
