/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The network namespace of a set: loopback, /sys, /etc/netns/NAME files, the
 * optional /run/netns/NAME pin, and the administrator's hook.
 */
#ifndef NSISO_NETNS_H
#define NSISO_NETNS_H

#include <sys/types.h>

#include "error.h"
#include "user.h"

#define NSISO_NETNS_DIR "/run/netns"

/*
 * In the creation child, after unshare(CLONE_NEWNET) and in the new mount
 * namespace: bring lo up, remount /sys so /sys/class/net shows the set's
 * devices (keeping the host's cgroup tree), bind /etc/netns/@name/ files over
 * their /etc counterparts as `ip netns exec` does (@name may be NULL).
 */
int nsiso_netns_child_setup(const char *name, struct nsiso_error *err);

/*
 * Inside every new set: detach /run/netns so the set neither sees nor holds
 * the host's named network namespaces (a held copy would keep one alive).
 */
int nsiso_netns_hide(struct nsiso_error *err);

/* Pin the net namespace open on @net_fd as /run/netns/@name (replacing a stale pin of that name).
 */
int nsiso_netns_pin_name(const char *name, int net_fd, struct nsiso_error *err);

/* Remove /run/netns/@name (whatever is stacked on it). Missing: fine. */
int nsiso_netns_unpin_name(const char *name, struct nsiso_error *err);

/*
 * Run the hook at @path (checked like the policy: root-owned, not group/world
 * writable, nor its directories) with a fixed PATH and nothing else in the
 * environment, stdin from /dev/null, no inherited fds, arguments
 * (user, uid, @pin), in its own process group, killed after @timeout_ms.
 * Exit status 0 or an error quoting the first line of its output.
 */
int nsiso_netns_run_hook(const char *path, const struct nsiso_user *u, const char *pin,
			 int timeout_ms, struct nsiso_error *err);

/* Valid name for /run/netns (as produced by template expansion): [A-Za-z0-9._-], not . or .. */
int nsiso_netns_name_ok(const char *name);

#endif
