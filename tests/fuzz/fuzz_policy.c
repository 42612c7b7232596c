/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the policy loader (nsiso_policy_load_buffer), once as a
 * login loads (no list) and once as nsisoctl check does (every problem), and
 * what a login asks of a loaded policy (exemption, on_error, resolution for a
 * user with groups, hostname template expansion).
 *
 * Built by tests/fuzz/build.sh with clang -fsanitize=fuzzer,address,undefined
 * into build/fuzz/fuzz_policy; run by tests/fuzz/run.sh (make fuzz).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "policy.h"
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
	if (p) {
		ask(p, &alice);
		ask(p, &root);
		nsiso_policy_free(p);
	}
	return 0;
}
