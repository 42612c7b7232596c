/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tmp_share: entries of the host's /tmp (the X11 and ICE socket directories)
 * bound into a set's private /tmp, so that graphical sessions keep working.
 *
 * Two steps around the unshare of a set's creation:
 *   nsiso_tmpshare_open()  in the caller's (the host's) mount namespace:
 *                          opens the host's /tmp and each entry on its fd,
 *                          never following a symlink, and checks them;
 *   nsiso_tmpshare_mount() in the new mount namespace, after the private
 *                          /tmp is mounted: clones each entry (a visit to
 *                          the host's mount namespace: open_tree() clones
 *                          only a mount of the caller's own namespace) and
 *                          moves it onto a directory made on an fd of the
 *                          private /tmp.
 */
#ifndef NSISO_TMPSHARE_H
#define NSISO_TMPSHARE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "policy.h"

struct nsiso_tmpshare {
	unsigned n;
	const char *name[NSISO_MAX_TMP_SHARE]; /* borrowed from the settings */
	bool rw[NSISO_MAX_TMP_SHARE];
	int fd[NSISO_MAX_TMP_SHARE]; /* O_PATH of the host's entry; -1: left out (see note) */
	/* Entries left out and why ("" when none): for the front-end's log line. */
	char note[256];
};

void nsiso_tmpshare_init(struct nsiso_tmpshare *ts);

/*
 * Open the host's entries for @s (the caller is in the host's mount
 * namespace). Nothing to do when @s shares nothing or has no private /tmp.
 * A missing entry is created root 1777 (as systemd-tmpfiles' x11.conf
 * does). An entry that is a symlink, not a directory, or not root's is left
 * out, with the reason in ts->note: any user can make /tmp/.X11-unix before
 * the X server does, and must neither get it into other users' sets nor
 * deny their logins by it. 0, or -1 on a system error.
 */
int nsiso_tmpshare_open(const struct nsiso_settings *s, struct nsiso_tmpshare *ts,
			struct nsiso_error *err);

/*
 * Bind each opened entry into the private /tmp of the caller's (new) mount
 * namespace, nosuid, nodev, noexec and read-only unless rw. @host_mnt_fd:
 * the host's mount namespace, visited to clone the entries.
 */
int nsiso_tmpshare_mount(const struct nsiso_tmpshare *ts, int host_mnt_fd, struct nsiso_error *err);

void nsiso_tmpshare_close(struct nsiso_tmpshare *ts);

#endif
