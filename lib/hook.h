/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The administrator's hooks (net_hook, init_hook): opened like the policy,
 * run as root and nobody else's, with nothing of the caller's but the
 * namespaces it stands in.
 */
#ifndef NSISO_HOOK_H
#define NSISO_HOOK_H

#include "error.h"

/*
 * Open the hook at @path (checked like the policy: root-owned, not
 * group/world writable, nor its directories; a regular file with the
 * owner's execute bit) for nsiso_hook_run(). @key names it in errors.
 * The fd, O_PATH and close-on-exec, or -1 (NSISO_ERR_UNSAFE when refused).
 */
int nsiso_hook_open(const char *key, const char *path, struct nsiso_error *err);

/* nsiso_hook_run() flags */
enum {
	/*
	 * A hook that fails (status, signal, timeout) takes its process group
	 * with it: what it left running would hold the namespaces it stands in.
	 */
	NSISO_HOOK_KILL_GROUP_ON_FAILURE = 1u << 0,
};

/*
 * Run the hook opened on @exe (nsiso_hook_open()) in a child (child.h) with
 * a fixed PATH and nothing else in the environment, stdin from /dev/null,
 * stdout and stderr to a pipe, no inherited fd but the executable on fd 3,
 * no blocked signal, cwd "/", arguments @args (NULL-terminated, after
 * argv[0] = @path), killed after @timeout_ms. 0 when it exits with 0, or an
 * error naming @key and @path and quoting the first line of its output.
 */
int nsiso_hook_run(int exe, const char *key, const char *path, const char *const *args,
		   int timeout_ms, unsigned flags, struct nsiso_error *err);

#endif
