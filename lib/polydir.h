/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private /tmp, /var/tmp (tmp_dirs), /dev/shm and /dev/mqueue of a set.
 * Runs in the creating login process, after unshare(), in the set's new mount namespace.
 */
#ifndef NSISO_POLYDIR_H
#define NSISO_POLYDIR_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "policy.h"
#include "user.h"

#define NSISO_STATEDIR "/var/lib/nsiso"

/*
 * Mount the set's private directories (the caller is in the new mount
 * namespace). *@tmp_dev: st_dev of the set's one tmpfs (every RAM-backed
 * directory of the set is in it), 0 when it has none.
 */
int nsiso_polydir_setup(const struct nsiso_user *u, const struct nsiso_settings *s,
			uint64_t *tmp_dev, struct nsiso_error *err);

/*
 * Instance directory name for a tmp dir, systemd-style path escaping
 * ("/var/tmp" -> "var-tmp"): injective, so two tmp dirs never share an instance.
 */
int nsiso_instance_name(const char *path, char *buf, size_t len);

#endif
