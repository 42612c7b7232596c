/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "nstable.h"
#include "pidfd_ns.h"
#include "util.h"

/*
 * Order matters: creation unshares them all at once, but joining walks this
 * table and must do mnt last (after setns(CLONE_NEWNS) the registry, where
 * the other pins live, is no longer reachable by path; see nsset.c).
 *
 * record_bit is on disk: a kind keeps its bit forever (see nstable.h), and a
 * new kind takes the next free one. A kind added to the enum without its row
 * would get a zeroed one here (the array is sized by the enum): the unit test
 * tests/unit/test_nstable.c fails on any row not filled.
 */
const struct nsiso_nsinfo nsiso_ns_table[NSISO_NS__MAX] = {
    [NSISO_NS_MNT] = {NSISO_NS_MNT, "mnt", CLONE_NEWNS, PIDFD_GET_MNT_NAMESPACE, 0x1, true},
    [NSISO_NS_IPC] = {NSISO_NS_IPC, "ipc", CLONE_NEWIPC, PIDFD_GET_IPC_NAMESPACE, 0x2, true},
    [NSISO_NS_UTS] = {NSISO_NS_UTS, "uts", CLONE_NEWUTS, PIDFD_GET_UTS_NAMESPACE, 0x4, true},
    [NSISO_NS_NET] = {NSISO_NS_NET, "net", CLONE_NEWNET, PIDFD_GET_NET_NAMESPACE, 0x8, true},
};

const struct nsiso_nsinfo *nsiso_ns_by_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(nsiso_ns_table); i++)
		if (strcmp(nsiso_ns_table[i].name, name) == 0)
			return &nsiso_ns_table[i];
	return NULL;
}

unsigned nsiso_ns_mask_to_record(unsigned mask)
{
	unsigned out = 0;

	for (size_t i = 0; i < ARRAY_SIZE(nsiso_ns_table); i++)
		if (mask & NSISO_NS_BIT(i))
			out |= nsiso_ns_table[i].record_bit;
	return out;
}

int nsiso_ns_mask_from_record(uint64_t record_mask, unsigned *mask)
{
	uint64_t rest = record_mask;

	*mask = 0;
	for (size_t i = 0; i < ARRAY_SIZE(nsiso_ns_table); i++) {
		if (!(record_mask & nsiso_ns_table[i].record_bit))
			continue;
		*mask |= NSISO_NS_BIT(i);
		rest &= ~(uint64_t)nsiso_ns_table[i].record_bit;
	}
	return rest || !*mask ? -1 : 0;
}

const char *nsiso_ns_mask_format(unsigned mask, const char *sep, char *buf, size_t len)
{
	size_t used = 0;

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(nsiso_ns_table); i++) {
		int n;

		if (!(mask & NSISO_NS_BIT(i)))
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? sep : "",
			     nsiso_ns_table[i].name);
		if (n < 0 || (size_t)n >= len - used) {
			buf[used] = '\0'; /* no half name */
			break;
		}
		used += (size_t)n;
	}
	return buf;
}
