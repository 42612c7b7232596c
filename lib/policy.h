/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Policy: load and validate /etc/security/nsiso.conf and its drop-ins (the
 * *.conf files in /etc/security/nsiso.d), resolve the effective settings for
 * one user.
 *
 * Sections: [global], [group:NAME], [user:NAME]. Precedence: built-in defaults <
 * global < matching group sections in order of first appearance < the user's section.
 * The files are read as one policy: the main file, then the drop-ins in byte
 * order of their names; a section may appear in several files, and a key given
 * again in a later file replaces the earlier value (see nsiso.conf(5)).
 * Every file is validated at load time, so a typo in a section that does not
 * apply to the current user still denies (the administrator learns about it at
 * the first login, not at the first login of that one user).
 */
#ifndef NSISO_POLICY_H
#define NSISO_POLICY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "nstable.h"
#include "user.h"

enum nsiso_tmp_mode { NSISO_TMP_TMPFS, NSISO_TMP_PERSISTENT, NSISO_TMP_OFF };
enum nsiso_propagation { NSISO_PROP_SLAVE, NSISO_PROP_PRIVATE };
enum nsiso_lifetime { NSISO_LIFE_PROCESSES, NSISO_LIFE_SESSION, NSISO_LIFE_BOOT };
enum nsiso_from_set { NSISO_FROM_HOST, NSISO_FROM_STAY };
enum nsiso_on_error { NSISO_ONERR_DENY, NSISO_ONERR_ALLOW };
enum nsiso_net_mode { NSISO_NET_LOOPBACK, NSISO_NET_HOOK };

#define NSISO_MAX_TMP_DIRS   8
#define NSISO_MAX_TMP_SHARE  8
#define NSISO_MAX_SECTIONS   4096 /* per policy file, and in the merged policy; see policy_load.c */
#define NSISO_DEFAULT_CONFIG "/etc/security/nsiso.conf"
/*
 * Bounds of a drop-in directory: *.conf files read, entries looked at (of any
 * name), bytes of all policy files together (the main file's own bound: a
 * login never reads or parses more than one maximal file did before drop-ins).
 */
#define NSISO_MAX_DROPINS      256
#define NSISO_MAX_DIR_ENTRIES  4096
#define NSISO_POLICY_MAX_BYTES (1u << 20)
#define NSISO_POLICY_MAX_FILES (1 + NSISO_MAX_DROPINS)

/* A size for tmpfs: either bytes, or a percentage (1..100) of RAM. */
struct nsiso_size {
	bool percent;
	uint64_t value; /* bytes, or percent */
};

/*
 * Keys of the policy, one row each in the key table of policy_keys.c (a key
 * without a row fails the build). The order here is the order of
 * nsiso_settings.source[].
 */
enum nsiso_key {
	NSISO_KEY_NAMESPACES,
	NSISO_KEY_TMP,
	NSISO_KEY_TMP_DIRS,
	NSISO_KEY_TMP_SIZE,
	NSISO_KEY_TMP_SHARE,
	NSISO_KEY_PROPAGATION,
	NSISO_KEY_LIFETIME,
	NSISO_KEY_FROM_SET,
	NSISO_KEY_HOSTNAME,
	NSISO_KEY_NET,
	NSISO_KEY_NET_HOOK,
	NSISO_KEY_NET_HOOK_TIMEOUT,
	NSISO_KEY_NETNS_NAME,
	NSISO_KEY_INIT_HOOK,
	NSISO_KEY_INIT_HOOK_TIMEOUT,
	NSISO_KEY_EXEMPT_USERS,	 /* [global] only */
	NSISO_KEY_EXEMPT_GROUPS, /* [global] only */
	NSISO_KEY_ON_ERROR,	 /* [global] only */
	NSISO_KEY__MAX,
};

/* The effective settings for one user (all strings owned by the struct). */
struct nsiso_settings {
	unsigned ns_mask; /* bit (1u << enum nsiso_ns) per namespace; always has NSISO_NS_MNT */
	enum nsiso_tmp_mode tmp;
	char *tmp_dirs[NSISO_MAX_TMP_DIRS]; /* absolute, normalised (no trailing '/', no //, . or
					       ..) */
	unsigned n_tmp_dirs;
	struct nsiso_size tmp_size;
	/*
	 * tmp_share: names of entries of the host's /tmp bound into the private
	 * /tmp (single components: no '/', not "." or ".."), and which of them
	 * are read-write (bit i for tmp_share[i]; the others are read-only).
	 */
	char *tmp_share[NSISO_MAX_TMP_SHARE];
	unsigned n_tmp_share;
	unsigned tmp_share_rw;
	enum nsiso_propagation propagation;
	enum nsiso_lifetime lifetime;
	enum nsiso_from_set from_set;
	char *hostname; /* template; NULL or "" keeps the host's name */
	enum nsiso_on_error on_error;
	enum nsiso_net_mode net;    /* with net in ns_mask: loopback only, or wired by net_hook */
	char *net_hook;		    /* absolute path, NULL when none */
	unsigned net_hook_timeout;  /* seconds the hook may run before it is killed */
	char *netns_name;	    /* template of the /run/netns name, NULL when none */
	char *init_hook;	    /* absolute path, NULL when none: run inside each new set */
	unsigned init_hook_timeout; /* seconds init_hook may run before it is killed */
	/*
	 * [group:] sections whose group NSS could not look up (an outage): they
	 * were taken as not applying, so the settings may be wrong for the user.
	 */
	struct nsiso_unresolved unresolved;
	/* Which section decided each key: "default", "global", "group:NAME", "user:NAME" (static or
	 * owned by the policy). */
	const char *source[NSISO_KEY__MAX];
	/* ... in which file and on which line: NULL and 0 for the built-in default (owned by the
	 * policy: valid while it is). */
	const char *source_file[NSISO_KEY__MAX];
	unsigned source_line[NSISO_KEY__MAX];
};

struct nsiso_policy; /* opaque */

#define NSISO_MAX_PROBLEMS 64 /* messages kept by struct nsiso_problems */

/*
 * Every problem of a policy file, for nsisoctl check. The loader validates
 * the whole file whatever it finds; the module only logs the first problem
 * (the one in the struct nsiso_error) and passes no list. Bounded: past
 * NSISO_MAX_PROBLEMS messages a hostile file costs a counter, not memory.
 */
struct nsiso_problems {
	/* One line each, in the format of the error ("FILE:LINE: [section] key: what"). */
	char *msg[NSISO_MAX_PROBLEMS];
	size_t n;    /* messages in msg[] */
	size_t more; /* further problems found but not kept */
};

/*
 * Open @path safely (O_NOFOLLOW, regular file, root-owned, not group/world
 * writable, every parent directory root-owned and not group/world writable),
 * and its drop-ins the same way (nsiso_policy_read_files()), parse each file
 * with iniparser (its messages are captured, never printed) and validate
 * every section and key of every file.
 *
 * Returns 0 and a policy in *@out, or -1 with @err naming file, line (where
 * known), section and key in one line. On failure *@out may still be set to a
 * *degraded* policy when the main file itself was trustworthy (safe
 * ownership, parsed): it answers nsiso_policy_exempt() and
 * nsiso_policy_on_error() from the [global] keys that were valid in the files
 * that could be read and parsed (a drop-in that is unsafe, unreadable or not
 * INI contributes nothing). Otherwise *@out is NULL.
 *
 * @all (may be NULL) is overwritten with every problem: the per-key ones
 * (unknown key, bad value, duplicate, ...) in the order they are found, which
 * is file order (the main file, then the drop-ins), then the checks across
 * keys (net = hook without net_hook), in section order. Its first message is
 * the one in @err. A problem that stops the load of one file (unsafe or
 * unreadable file, NUL byte, too many sections, syntax error) is that file's
 * only message; in the main file, it is the list's only message. Empty on
 * success; release it with nsiso_problems_free() after every call.
 */
int nsiso_policy_load(const char *path, struct nsiso_policy **out, struct nsiso_problems *all,
		      struct nsiso_error *err);

/*
 * The drop-in directory of the policy file @path: its name with a final
 * ".conf" replaced by ".d" (/etc/security/nsiso.conf -> /etc/security/nsiso.d),
 * or ".d" appended to a name that does not end in ".conf". malloc'ed, NULL
 * when out of memory.
 */
char *nsiso_policy_dropin_dir(const char *path);

#define NSISO_MAX_IGNORED 16 /* ignored names kept by struct nsiso_policy_files */

/* One policy file as read: its bytes, or why it cannot be used. All owned. */
struct nsiso_policy_file {
	char *path; /* the main file's path as given, or DROPIN_DIR/NAME */
	char *buf;  /* NUL-terminated, @len bytes before the NUL; NULL when unusable */
	size_t len;
	char *problem; /* a whole message naming the file (or the directory); NULL when read */
};

struct nsiso_policy_files {
	struct nsiso_policy_file *v; /* v[0] the main file, then the drop-ins in byte order */
	size_t n;
	char *dropin_dir;	 /* the directory looked at */
	bool dropin_dir_missing; /* it does not exist: no drop-ins */
	/* Entries of the directory that are not drop-ins by their name, except hidden ones
	 * (for nsisoctl check): the first NSISO_MAX_IGNORED paths, and how many more. */
	char *ignored[NSISO_MAX_IGNORED];
	size_t n_ignored, more_ignored;
};

/*
 * Read @path (the trusted open of nsiso_policy_load()) and the *.conf files
 * of its drop-in directory, without parsing anything.
 *
 * The directory must pass the same checks as the main file (the trusted walk,
 * root-owned, not group/world writable, not a symbolic link); a missing one
 * means no drop-ins. Its entries whose names end in ".conf" and do not start
 * with '.' are the drop-ins, read in byte order of their names; each must be
 * a regular file (a symbolic link is refused, not followed), root-owned and
 * not group/world writable; it is opened on the directory's fd with
 * O_NOFOLLOW. Every other name (editor leftovers, .dpkg-old, .swp, ~) is
 * ignored. Bounds: NSISO_MAX_DROPINS files, NSISO_MAX_DIR_ENTRIES entries,
 * NSISO_POLICY_MAX_BYTES for all files together.
 *
 * Returns -1 with @err when the main file cannot be used (*@out is then
 * empty), or out of memory. Otherwise 0: a drop-in (or the directory) that
 * cannot be used is an entry with its problem, at its place in the order,
 * and nothing is read past a bound. Release with nsiso_policy_files_free().
 */
int nsiso_policy_read_files(const char *path, struct nsiso_policy_files *out,
			    struct nsiso_error *err);

/* True when every file of @f was read (no entry has a problem). */
bool nsiso_policy_files_ok(const struct nsiso_policy_files *f);

/*
 * Append a file (@buf: @len bytes, copied, may be NULL with @problem set), for
 * the reader and for tests that build a policy from several buffers. 0 or -1.
 */
int nsiso_policy_files_add(struct nsiso_policy_files *f, const char *path, const char *buf,
			   size_t len, const char *problem);

void nsiso_policy_files_free(struct nsiso_policy_files *f);

#define _cleanup_policy_files_ __attribute__((cleanup(nsiso_policy_files_free)))

/*
 * Parse and validate @f as one policy, as nsiso_policy_load() does (same
 * results): every file through iniparser from the bytes in @f, never from the
 * disk again. An entry with a problem is reported at its place.
 */
int nsiso_policy_load_files(const struct nsiso_policy_files *f, struct nsiso_policy **out,
			    struct nsiso_problems *all, struct nsiso_error *err);

/* Same, from an in-memory buffer (for unit tests and fuzzing); @name is used in messages. */
int nsiso_policy_load_buffer(const char *name, const char *buf, size_t len,
			     struct nsiso_policy **out, struct nsiso_problems *all,
			     struct nsiso_error *err);

void nsiso_problems_free(struct nsiso_problems *all);

/*
 * For nsisoctl check: lists of a (loaded) policy that look split, one
 * message each in *@out ("FILE:LINE: [section] key: warning: ..."), with
 * NSS lookups of the names: exempt_users or exempt_groups items written
 * without a comma whose joined name exists ("HPC Admins" read as two), an
 * item with blanks in a list with a comma that names nothing while each of
 * its words does, a whole value in quotes with a comma that names nothing
 * (a list, before quotes grouped). Empty when nothing looks wrong; release
 * it with nsiso_problems_free(). The module never calls this.
 */
void nsiso_policy_lint(const struct nsiso_policy *p, const char *file, struct nsiso_problems *out);

#define _cleanup_problems_ __attribute__((cleanup(nsiso_problems_free)))

void nsiso_policy_free(struct nsiso_policy *p);

/* True when the policy was loaded with errors (a degraded policy, see above). */
bool nsiso_policy_degraded(const struct nsiso_policy *p);

/*
 * Is @u exempt? With @p NULL (no trustworthy policy): only uid 0.
 * With a degraded policy: uid 0, plus whatever valid [global] exempt keys say.
 * With a valid policy: exactly what exempt_users / exempt_groups say.
 * @why (may be NULL) receives a static or policy-owned string such as
 * "exempt_users" or "exempt_groups:wheel" or "uid 0 with a broken policy".
 */
bool nsiso_policy_exempt(const struct nsiso_policy *p, const struct nsiso_user *u,
			 const char **why);

/*
 * The same, noting in *@un (may be NULL) every exempt_groups group NSS could
 * not look up (the user is then not exempt through it).
 */
struct nsiso_unresolved;
bool nsiso_policy_exempt_un(const struct nsiso_policy *p, const struct nsiso_user *u,
			    const char **why, struct nsiso_unresolved *un);

/*
 * Does nsiso_policy_exempt() need @u's groups (exempt_groups is set)? Only
 * then must the caller load them first (nsiso_user_load_groups()): the list
 * costs a walk of every NSS group source, and a join needs nothing else of it.
 */
bool nsiso_policy_exempt_uses_groups(const struct nsiso_policy *p);

/* on_error of a (possibly degraded) policy; NSISO_ONERR_DENY when @p is NULL. */
enum nsiso_on_error nsiso_policy_on_error(const struct nsiso_policy *p);

/*
 * Effective settings for @u from a valid policy. Free with nsiso_settings_free().
 * Loads @u's groups first when a [group:] section must be matched and they
 * are not loaded yet.
 */
int nsiso_policy_resolve(const struct nsiso_policy *p, struct nsiso_user *u,
			 struct nsiso_settings *out, struct nsiso_error *err);

void nsiso_settings_free(struct nsiso_settings *s);

/* Name of a key, for messages and nsisoctl explain. */
const char *nsiso_key_name(enum nsiso_key k);

/*
 * The words of an enum setting, as the policy file, nsisoctl, the log and the
 * set record spell them: names[v] is the word of value v. One table per enum
 * (lib/policy_keys.c), so that a word is written once.
 */
struct nsiso_enum {
	const char *const *names;
	unsigned n;
};

extern const struct nsiso_enum nsiso_enum_tmp, nsiso_enum_propagation, nsiso_enum_lifetime,
    nsiso_enum_from_set, nsiso_enum_on_error, nsiso_enum_net;

/* Is @v a value of @e? */
bool nsiso_enum_has(const struct nsiso_enum *e, unsigned v);

/* The word of @v, or "?" when @e has no such value. */
const char *nsiso_enum_name(const struct nsiso_enum *e, unsigned v);

/* The value of the word @name: 0 and *@v, or -1 when it is none of @e's words. */
int nsiso_enum_parse(const struct nsiso_enum *e, const char *name, unsigned *v);

/* A key's row of the key table, for nsisoctl and for tests that walk every key. */
struct nsiso_key_info {
	const char *name;
	const char *def;		/* the built-in default, as a policy file writes it */
	const char *example;		/* a valid value other than the default */
	const struct nsiso_enum *words; /* the words of an enum key, NULL for other keys */
	bool global_only;		/* only allowed in [global] */
	bool setting; /* a per-user setting, which nsiso_setting_format() writes */
};

/* 0 and *@out, or -1 for a value that is no key. */
int nsiso_key_info(enum nsiso_key k, struct nsiso_key_info *out);

/*
 * Setting @k of @s as text, in the words of the policy file (the parser takes
 * it back to the same setting): the value nsisoctl explain prints, before it
 * escapes it. Cut to @len bytes. 0, or -1 when @k is not a per-user setting
 * (exempt_users, exempt_groups: nsisoctl explain says "exempt" instead).
 */
int nsiso_setting_format(const struct nsiso_settings *s, enum nsiso_key k, char *buf, size_t len);

/*
 * Parse helpers, exposed for unit tests and nsisoctl.
 * nsiso_parse_size: "123", "64K", "512M", "2G", "1T" (case-insensitive suffix, powers of 1024)
 * or "N%" with 1 <= N <= 100. Zero and overflow are errors.
 */
int nsiso_parse_size(const char *s, struct nsiso_size *out);

/* Format a size the way tmpfs's size= option takes it ("2147483648" or "25%"). */
void nsiso_format_size(const struct nsiso_size *sz, char *buf, size_t len);

/*
 * Hostname templates: %u user name, %U uid, %h the host's name (the part before the first '.'),
 * %% a literal '%'. Any other '%' sequence is invalid.
 * nsiso_template_valid: 0 or -1 with a short reason in *why (static string).
 * nsiso_template_expand: writes the expanded name into @buf (size @len); bytes
 * outside [A-Za-z0-9._-] become '-', result cut to 64 bytes (HOST_NAME_MAX).
 * An empty result is an error (-1).
 */
int nsiso_template_valid(const char *tmpl, const char **why);
int nsiso_template_expand(const char *tmpl, const char *user, uid_t uid, const char *host,
			  char *buf, size_t len);

/*
 * For the policy cache (policycache.h), which compares the bytes of
 * nsiso_policy_read_files().
 *
 * nsiso_policy_serialize appends a valid policy to @w: 0, -EINVAL for a
 * degraded policy, -ENOMEM. nsiso_policy_deserialize rebuilds one from
 * exactly @len bytes through the loader's own rules: 0 and *@out, or -1 on
 * anything that a serialized valid policy cannot be (never a partial policy).
 */
struct nsiso_wbuf;
int nsiso_policy_serialize(const struct nsiso_policy *p, struct nsiso_wbuf *w);
int nsiso_policy_deserialize(const char *buf, size_t len, struct nsiso_policy **out);

#endif
