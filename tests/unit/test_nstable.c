/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the namespace table (lib/nstable.c): every kind has a full
 * row, the record bits on disk are the ones registry format v2 has always
 * written, and an fd set starts with every fd closed, however many kinds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "nsset.h"
#include "nstable.h"
#include "util.h"

/* Each row is filled: a kind added to the enum without its row fails here. */
static void test_every_row_filled(void **state)
{
	for (int i = 0; i < NSISO_NS__MAX; i++) {
		const struct nsiso_nsinfo *ns = &nsiso_ns_table[i];

		assert_int_equal(ns->id, i);
		assert_non_null(ns->name);
		assert_ptr_equal(nsiso_ns_by_name(ns->name), ns);
		assert_int_not_equal(ns->clone_flag, 0);
		assert_true(ns->pidfd_get != 0);
		/* One bit each, and no two kinds share one. */
		assert_int_not_equal(ns->record_bit, 0);
		assert_int_equal(ns->record_bit & (ns->record_bit - 1), 0);
		for (int j = 0; j < i; j++) {
			assert_int_not_equal(nsiso_ns_table[j].record_bit, ns->record_bit);
			assert_int_not_equal(nsiso_ns_table[j].clone_flag, ns->clone_flag);
			assert_string_not_equal(nsiso_ns_table[j].name, ns->name);
		}
	}
	assert_null(nsiso_ns_by_name("nonesuch"));
	assert_null(nsiso_ns_by_name(""));
}

/* On disk since registry format v2: these never change, whatever the enum's order. */
static void test_record_bits_locked(void **state)
{
	static const struct {
		const char *name;
		unsigned bit;
	} disk[] = {{"mnt", 1}, {"ipc", 2}, {"uts", 4}, {"net", 8}};

	for (size_t i = 0; i < ARRAY_SIZE(disk); i++) {
		const struct nsiso_nsinfo *ns = nsiso_ns_by_name(disk[i].name);

		assert_non_null(ns);
		assert_int_equal(ns->record_bit, disk[i].bit);
		assert_int_equal(nsiso_ns_mask_to_record(NSISO_NS_BIT(ns->id)), disk[i].bit);
	}
}

static void test_record_mask_round_trip(void **state)
{
	for (unsigned mask = 1; mask < NSISO_NS_BIT(NSISO_NS__MAX); mask++) {
		unsigned back = 0;

		assert_int_equal(nsiso_ns_mask_from_record(nsiso_ns_mask_to_record(mask), &back),
				 0);
		assert_int_equal(back, mask);
	}
}

/* A bit no kind owns, or no bit at all, is a torn record. */
static void test_record_mask_rejects(void **state)
{
	uint64_t all = 0;
	unsigned back;

	for (int i = 0; i < NSISO_NS__MAX; i++)
		all |= nsiso_ns_table[i].record_bit;
	assert_int_equal(nsiso_ns_mask_from_record(0, &back), -1);
	for (int b = 0; b < 64; b++) {
		uint64_t bit = (uint64_t)1 << b;

		if (!(all & bit))
			assert_int_equal(nsiso_ns_mask_from_record(all | bit, &back), -1);
	}
}

/* Every fd -1 (an fd 0 would be taken for an open namespace), every inode unknown. */
/* Every word of a mask, in table order, parses back to the same kind; no half name when cut. */
static void test_mask_format(void **state)
{
	unsigned all = 0;
	char buf[64], small[6];

	(void)state;
	for (int i = 0; i < NSISO_NS__MAX; i++)
		all |= NSISO_NS_BIT(i);
	nsiso_ns_mask_format(all, ", ", buf, sizeof(buf));
	char *save = NULL, *w = strtok_r(buf, ", ", &save);
	for (int i = 0; i < NSISO_NS__MAX; i++, w = strtok_r(NULL, ", ", &save)) {
		assert_non_null(w);
		assert_ptr_equal(nsiso_ns_by_name(w), &nsiso_ns_table[i]);
	}
	assert_null(w);
	nsiso_ns_mask_format(NSISO_NS_BIT(NSISO_NS_MNT) | NSISO_NS_BIT(NSISO_NS_UTS), ",", buf,
			     sizeof(buf));
	assert_string_equal(buf, "mnt,uts");
	nsiso_ns_mask_format(0, ",", buf, sizeof(buf));
	assert_string_equal(buf, "");
	nsiso_ns_mask_format(NSISO_NS_BIT(NSISO_NS_MNT) | NSISO_NS_BIT(NSISO_NS_IPC), ",", small,
			     sizeof(small));
	assert_string_equal(small, "mnt");
}

static void test_nsfds_init_all_closed(void **state)
{
	struct nsiso_nsfds f = NSISO_NSFDS_INIT;

	assert_int_equal(ARRAY_SIZE(f.fd), NSISO_NS__MAX);
	for (int i = 0; i < NSISO_NS__MAX; i++) {
		assert_int_equal(f.fd[i], -1);
		assert_true(f.ino[i] == 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_row_filled),
	    cmocka_unit_test(test_record_bits_locked),
	    cmocka_unit_test(test_record_mask_round_trip),
	    cmocka_unit_test(test_record_mask_rejects),
	    cmocka_unit_test(test_mask_format),
	    cmocka_unit_test(test_nsfds_init_all_closed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
