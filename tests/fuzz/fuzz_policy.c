/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the policy loader (nsiso_policy_load_buffer) and what a
 * login asks of a loaded policy (exemption, on_error, resolution for a user
 * with groups, hostname template expansion).
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

static void ask(const struct nsiso_policy *p, const struct nsiso_user *u)
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

	(void)nsiso_policy_load_buffer("fuzz.conf", (const char *)data, size, &p, &err);
	/* The error is one NUL-terminated line within its buffer. */
	if (memchr(err.msg, '\0', sizeof(err.msg)) == NULL)
		abort();
	if (p) {
		ask(p, &alice);
		ask(p, &root);
		nsiso_policy_free(p);
	}
	return 0;
}
