/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * For the unit tests (included after <cmocka.h>): a policy that went through
 * the policy cache (encode -> decode: serialize and replay) must answer every
 * question the module asks exactly as the freshly loaded one does, for a set
 * of users that hit the usual sections: root, names of the corpus and the
 * unit tests, users in and out of well-known groups.
 *
 * pcache_check_roundtrip(text, len, p): @p is the fresh load of @text.
 */
#ifndef NSISO_TEST_PCACHE_CHECK_H
#define NSISO_TEST_PCACHE_CHECK_H

#include <stdlib.h>
#include <string.h>

#include "blob.h"
#include "policy.h"
#include "policycache.h"
#include "user.h"

static gid_t pcache_groups_alice[] = {1000, 0, 27, 100};
static gid_t pcache_groups_none[1];

static const struct nsiso_user pcache_users[] = {
    {.name = (char *)"root", .uid = 0, .gid = 0, .groups = pcache_groups_none, .n_groups = 0},
    {.name = (char *)"alice",
     .uid = 1000,
     .gid = 1000,
     .groups = pcache_groups_alice,
     .n_groups = 4},
    {.name = (char *)"bob", .uid = 1001, .gid = 100, .groups = pcache_groups_none, .n_groups = 0},
    {.name = (char *)"Alice", .uid = 1002, .gid = 27, .groups = pcache_groups_none, .n_groups = 0},
    {.name = (char *)"carol", .uid = 1003, .gid = 0, .groups = pcache_groups_none, .n_groups = 0},
    {.name = (char *)"nobody",
     .uid = 65534,
     .gid = 65534,
     .groups = pcache_groups_none,
     .n_groups = 0},
};

static void pcache_assert_str(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void pcache_assert_settings(const struct nsiso_settings *a, const struct nsiso_settings *b)
{
	assert_int_equal(a->ns_mask, b->ns_mask);
	assert_int_equal(a->tmp, b->tmp);
	assert_int_equal(a->n_tmp_dirs, b->n_tmp_dirs);
	for (unsigned i = 0; i < a->n_tmp_dirs && i < NSISO_MAX_TMP_DIRS; i++)
		pcache_assert_str(a->tmp_dirs[i], b->tmp_dirs[i]);
	assert_int_equal(a->n_tmp_share, b->n_tmp_share);
	for (unsigned i = 0; i < a->n_tmp_share && i < NSISO_MAX_TMP_SHARE; i++)
		pcache_assert_str(a->tmp_share[i], b->tmp_share[i]);
	assert_int_equal(a->tmp_share_rw, b->tmp_share_rw);
	assert_int_equal(a->tmp_size.percent, b->tmp_size.percent);
	assert_int_equal(a->tmp_size.value, b->tmp_size.value);
	assert_int_equal(a->propagation, b->propagation);
	assert_int_equal(a->lifetime, b->lifetime);
	assert_int_equal(a->from_set, b->from_set);
	pcache_assert_str(a->hostname, b->hostname);
	assert_int_equal(a->on_error, b->on_error);
	assert_int_equal(a->net, b->net);
	pcache_assert_str(a->net_hook, b->net_hook);
	assert_int_equal(a->net_hook_timeout, b->net_hook_timeout);
	pcache_assert_str(a->netns_name, b->netns_name);
	pcache_assert_str(a->init_hook, b->init_hook);
	assert_int_equal(a->init_hook_timeout, b->init_hook_timeout);
	for (int k = 0; k < NSISO_KEY__MAX; k++) {
		pcache_assert_str(a->source[k], b->source[k]);
		pcache_assert_str(a->source_file[k], b->source_file[k]);
		assert_int_equal(a->source_line[k], b->source_line[k]);
	}
}

/* Every question the module asks of a policy, for one user. */
static void pcache_assert_same_answers(const struct nsiso_policy *a, const struct nsiso_policy *b,
				       const struct nsiso_user *user)
{
	struct nsiso_user ua = *user, ub = *user;
	struct nsiso_settings sa, sb;
	struct nsiso_error ea = {0}, eb = {0};
	const char *wa = NULL, *wb = NULL;
	int ra, rb;

	assert_int_equal(nsiso_policy_degraded(a), nsiso_policy_degraded(b));
	assert_int_equal(nsiso_policy_exempt_uses_groups(a), nsiso_policy_exempt_uses_groups(b));
	assert_int_equal(nsiso_policy_on_error(a), nsiso_policy_on_error(b));
	assert_int_equal(nsiso_policy_exempt(a, &ua, &wa), nsiso_policy_exempt(b, &ub, &wb));
	pcache_assert_str(wa, wb);
	ra = nsiso_policy_resolve(a, &ua, &sa, &ea);
	rb = nsiso_policy_resolve(b, &ub, &sb, &eb);
	assert_int_equal(ra, rb);
	assert_string_equal(ea.msg, eb.msg);
	if (ra == 0)
		pcache_assert_settings(&sa, &sb);
	nsiso_settings_free(&sa);
	nsiso_settings_free(&sb);
}

/* The serialized form of @p (malloc'ed, *@len bytes). */
static char *pcache_serialize(const struct nsiso_policy *p, size_t *len)
{
	struct nsiso_wbuf w = {0};

	assert_int_equal(nsiso_policy_serialize(p, &w), 0);
	*len = w.len;
	return w.buf;
}

static void pcache_check_roundtrip(const char *text, size_t len, const struct nsiso_policy *p)
{
	const struct nsiso_pcache_file file = {"/etc/security/nsiso.conf", text, len};
	const struct nsiso_pcache_key key = {&file, 1};
	struct nsiso_policy *q = NULL;
	const char *why = "unset";
	char *blob = NULL, *s1, *s2;
	size_t blen = 0, l1, l2;

	assert_int_equal(nsiso_pcache_encode(&key, p, &blob, &blen), 0);
	assert_int_equal(nsiso_pcache_decode(blob, blen, &key, &q, &why), 0);
	assert_null(why);
	assert_non_null(q);
	for (size_t i = 0; i < sizeof(pcache_users) / sizeof(pcache_users[0]); i++)
		pcache_assert_same_answers(p, q, &pcache_users[i]);
	/* The replay rebuilt everything the form holds: serializing it again gives the same bytes. */
	s1 = pcache_serialize(p, &l1);
	s2 = pcache_serialize(q, &l2);
	assert_int_equal(l1, l2);
	assert_memory_equal(s1, s2, l1);
	free(s1);
	free(s2);
	free(blob);
	nsiso_policy_free(q);
}

#endif
