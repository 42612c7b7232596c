/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the policy loader (nsiso_policy_load_buffer), once as a
 * login loads (no list) and once as nsisoctl check does (every problem), and
 * what a login asks of a loaded policy (exemption, on_error, resolution for a
 * user with groups, hostname template expansion). And the policy cache
 * (lib/policycache.c): a valid policy must come back from encode -> decode
 * answering the same, the same entry damaged where the input says must be a
 * miss, and the deserializer must take the input's raw bytes (its replay,
 * without the entry's check value in front of it) without a crash or a leak.
 *
 * Built by make fuzz-build (tests/fuzz/build.sh) with clang -fsanitize=fuzzer,address,undefined
 * into build/fuzz/fuzz_policy; run by tests/fuzz/run.sh (make fuzz).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "policy.h"
#include "policycache.h"
#include "user.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Not const: nsiso_policy_resolve() may load the user's groups on first need. */
static void ask(const struct nsiso_policy *p, struct nsiso_user *u)
{
	struct nsiso_settings s;
	struct nsiso_error err = {0};
	const char *why = NULL;

	(void)nsiso_policy_exempt(p, u, &why);
	if (why)
		(void)strlen(why);
	(void)nsiso_policy_on_error(p);
	if (nsiso_policy_degraded(p))
		return;
	memset(&s, 0, sizeof(s));
	if (nsiso_policy_resolve(p, u, &s, &err) == 0) {
		char host[80];

		for (unsigned i = 0; i < s.n_tmp_dirs; i++)
			(void)strlen(s.tmp_dirs[i]);
		for (int k = 0; k < NSISO_KEY__MAX; k++)
			if (s.source[k])
				(void)strlen(s.source[k]);
		if (s.hostname && *s.hostname)
			(void)nsiso_template_expand(s.hostname, u->name, u->uid, "fuzzhost", host,
						    sizeof(host));
	}
	nsiso_settings_free(&s);
}

/*
 * The list changes nothing of the error and starts with it; it stays within
 * its cap; every message is one line. Empty exactly when the load succeeded.
 */
static void check_list(const uint8_t *data, size_t size, const struct nsiso_error *first)
{
	struct nsiso_problems all;
	struct nsiso_policy *p = NULL;
	struct nsiso_error err = {0};
	int r = nsiso_policy_load_buffer("fuzz.conf", (const char *)data, size, &p, &all, &err);

	if (strcmp(err.msg, first->msg) != 0 || all.n > NSISO_MAX_PROBLEMS)
		abort();
	if ((r == 0) != (all.n == 0 && all.more == 0))
		abort();
	if (all.n > 0 && strcmp(all.msg[0], err.msg) != 0)
		abort();
	for (size_t i = 0; i < all.n; i++)
		if (strchr(all.msg[i], '\n'))
			abort();
	nsiso_problems_free(&all);
	nsiso_policy_free(p);
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* What a login asks, asked of both: any difference is a bug. */
static void same_answers(const struct nsiso_policy *a, const struct nsiso_policy *b,
			 const struct nsiso_user *user)
{
	struct nsiso_user ua = *user, ub = *user;
	struct nsiso_settings sa, sb;
	struct nsiso_error ea = {0}, eb = {0};
	const char *wa = NULL, *wb = NULL;
	int ra, rb;

	if (nsiso_policy_exempt(a, &ua, &wa) != nsiso_policy_exempt(b, &ub, &wb) ||
	    !same_str(wa, wb) || nsiso_policy_on_error(a) != nsiso_policy_on_error(b) ||
	    nsiso_policy_exempt_uses_groups(a) != nsiso_policy_exempt_uses_groups(b) ||
	    nsiso_policy_degraded(a) != nsiso_policy_degraded(b))
		abort();
	memset(&sa, 0, sizeof(sa));
	memset(&sb, 0, sizeof(sb));
	ra = nsiso_policy_resolve(a, &ua, &sa, &ea);
	rb = nsiso_policy_resolve(b, &ub, &sb, &eb);
	if (ra != rb || strcmp(ea.msg, eb.msg) != 0)
		abort();
	if (ra == 0) {
		if (sa.ns_mask != sb.ns_mask || sa.tmp != sb.tmp ||
		    sa.n_tmp_dirs != sb.n_tmp_dirs || sa.tmp_size.percent != sb.tmp_size.percent ||
		    sa.tmp_size.value != sb.tmp_size.value || sa.propagation != sb.propagation ||
		    sa.lifetime != sb.lifetime || sa.from_set != sb.from_set ||
		    sa.on_error != sb.on_error || sa.net != sb.net ||
		    sa.net_hook_timeout != sb.net_hook_timeout ||
		    sa.init_hook_timeout != sb.init_hook_timeout ||
		    !same_str(sa.init_hook, sb.init_hook) || !same_str(sa.hostname, sb.hostname) ||
		    !same_str(sa.net_hook, sb.net_hook) || !same_str(sa.netns_name, sb.netns_name))
			abort();
		for (unsigned i = 0; i < sa.n_tmp_dirs; i++)
			if (!same_str(sa.tmp_dirs[i], sb.tmp_dirs[i]))
				abort();
		for (int k = 0; k < NSISO_KEY__MAX; k++)
			if (!same_str(sa.source[k], sb.source[k]) ||
			    !same_str(sa.source_file[k], sb.source_file[k]) ||
			    sa.source_line[k] != sb.source_line[k])
				abort();
	}
	nsiso_settings_free(&sa);
	nsiso_settings_free(&sb);
}

static void cache(const uint8_t *data, size_t size, const struct nsiso_policy *p,
		  const struct nsiso_user *users, size_t n_users)
{
	const struct nsiso_pcache_file file = {"/etc/security/nsiso.conf", (const char *)data,
					       size};
	const struct nsiso_pcache_key key = {&file, 1};
	struct nsiso_policy *q = NULL;
	const char *why = NULL;
	char *blob = NULL;
	size_t len = 0;

	/* The raw input, straight into the replay. */
	if (nsiso_policy_deserialize((const char *)data, size, &q) == 0) {
		for (size_t i = 0; i < n_users; i++) {
			struct nsiso_user u = users[i]; /* ask() may fill in the groups */
			ask(q, &u);
		}
		nsiso_policy_free(q);
		q = NULL;
	}
	if (!p || nsiso_policy_degraded(p))
		return;
	if (nsiso_pcache_encode(&key, p, &blob, &len) < 0)
		return; /* out of memory */
	if (nsiso_pcache_decode(blob, len, &key, &q, &why) < 0)
		abort();
	for (size_t i = 0; i < n_users; i++)
		same_answers(p, q, &users[i]);
	nsiso_policy_free(q);
	q = NULL;
	/* One damaged byte, or a truncation, chosen by the input: always a miss. */
	if (size > 0) {
		size_t at = ((size_t)data[0] << 8 | data[size - 1]) % len;
		blob[at] ^= (char)(data[size / 2] | 1);
		if (nsiso_pcache_decode(blob, len, &key, &q, &why) == 0)
			abort();
		blob[at] ^= (char)(data[size / 2] | 1);
		if (nsiso_pcache_decode(blob, at, &key, &q, &why) == 0)
			abort();
	}
	free(blob);
}

/* Where drop-ins start in an input: each "\n#--\n" ends one file. */
#define FILE_CUT       "\n#--\n"
#define MAX_FUZZ_FILES 8

/*
 * The input cut into a policy file and its drop-ins: the merge across files,
 * the problems' list, and the cache's form of a merged policy (each key's
 * file) under the same invariants as one file.
 */
static void dropins(const uint8_t *data, size_t size, const struct nsiso_user *users,
		    size_t n_users)
{
	static const char *const names[MAX_FUZZ_FILES] = {
	    "/etc/security/nsiso.conf",	    "/etc/security/nsiso.d/1.conf",
	    "/etc/security/nsiso.d/2.conf", "/etc/security/nsiso.d/3.conf",
	    "/etc/security/nsiso.d/4.conf", "/etc/security/nsiso.d/5.conf",
	    "/etc/security/nsiso.d/6.conf", "/etc/security/nsiso.d/7.conf"};
	struct nsiso_policy_files f = {0};
	struct nsiso_problems all;
	struct nsiso_policy *p = NULL, *q = NULL;
	struct nsiso_error err = {0}, err_all = {0};
	const char *pos = (const char *)data, *end = pos + size;
	int r;

	if (!memmem(data, size, FILE_CUT, strlen(FILE_CUT)))
		return;
	while (f.n < MAX_FUZZ_FILES) {
		const char *cut = memmem(pos, (size_t)(end - pos), FILE_CUT, strlen(FILE_CUT));
		size_t len =
		    cut && f.n + 1 < MAX_FUZZ_FILES ? (size_t)(cut - pos) + 1 : (size_t)(end - pos);

		if (nsiso_policy_files_add(&f, names[f.n], pos, len, NULL) < 0)
			goto out;
		if (len == (size_t)(end - pos))
			break;
		pos += len + strlen(FILE_CUT) - 1;
	}
	r = nsiso_policy_load_files(&f, &p, NULL, &err);
	if (memchr(err.msg, '\0', sizeof(err.msg)) == NULL)
		abort();
	if (nsiso_policy_load_files(&f, &q, &all, &err_all) != r || strcmp(err.msg, err_all.msg))
		abort();
	if ((r == 0) != (all.n == 0 && all.more == 0) || (all.n && strcmp(all.msg[0], err.msg)))
		abort();
	nsiso_problems_free(&all);
	nsiso_policy_free(q);
	cache(data, size, p, users, n_users);
	for (size_t i = 0; p && i < n_users; i++)
		ask(p, (struct nsiso_user *)&users[i]);
	nsiso_policy_free(p);
out:
	nsiso_policy_files_free(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static gid_t groups_alice[] = {1000, 0, 27, 100};
	static gid_t groups_root[] = {0};
	struct nsiso_user alice = {.name = (char *)"alice",
				   .uid = 1000,
				   .gid = 1000,
				   .groups = groups_alice,
				   .n_groups = 4};
	struct nsiso_user root = {
	    .name = (char *)"root", .uid = 0, .gid = 0, .groups = groups_root, .n_groups = 1};
	struct nsiso_policy *p = NULL;
	struct nsiso_error err = {0};

	(void)nsiso_policy_load_buffer("fuzz.conf", (const char *)data, size, &p, NULL, &err);
	/* The error is one NUL-terminated line within its buffer. */
	if (memchr(err.msg, '\0', sizeof(err.msg)) == NULL)
		abort();
	check_list(data, size, &err);
	{
		const struct nsiso_user users[] = {alice, root};
		cache(data, size, p, users, 2);
		dropins(data, size, users, 2);
	}
	if (p) {
		ask(p, &alice);
		ask(p, &root);
		nsiso_policy_free(p);
	}
	return 0;
}
