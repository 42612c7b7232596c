#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# sandbox.sh SCRIPT [ARGS...]   (the adversarial suite's copy of
# tests/integration/sandbox.sh, with a private /dev)
#
# Run SCRIPT (with sh) as a child of PID 1 of a throwaway sandbox:
#
#   unshare --mount --ipc --uts --net --pid --fork --kill-child --mount-proc --propagation private
#
# When SCRIPT ends, PID 1 (this shell) exits: the kernel kills every process of
# the pid namespace and every mount disappears with the mount namespace. Inside,
# before SCRIPT runs:
#
#   lo up; hostname nsiso-sandbox
#   fresh tmpfs on /run, /tmp, /var/tmp
#   overlayfs over /etc and /var (upper and work dirs on a tmpfs under /run), so
#     useradd, pam.d and policy edits, /var/lib/nsiso stay in the sandbox
#   overlayfs over /dev as well (the host's device nodes stay usable; anything
#     created there, such as the /dev/log socket that tests/adversarial uses to
#     read what the module logs, lands in the sandbox's upper dir), with the
#     host's /dev/pts moved back on top and a fresh tmpfs on /dev/shm (and a
#     fresh mqueue on /dev/mqueue where the host has one)
#
# Exit status: SCRIPT's; 77 when the sandbox cannot be made here and $CI is
# unset (a skip); 1 with a "not ok" line when it cannot be made and $CI is set.
set -u

here=$(cd "$(dirname "$0")" && pwd)

cannot_run()
{
	if [ -n "${CI:-}" ]; then
		echo "not ok 1 - sandbox for $(basename "$1"): $2"
		echo "# CI is set: a test that cannot run is a failure, not a skip"
		echo "adversarial: 0 passed, 1 failed"
		exit 1
	fi
	echo "# SKIP $(basename "$1"): $2"
	echo "adversarial: 0 passed, 0 failed"
	exit 77
}

outer()
{
	[ $# -ge 1 ] || {
		echo "usage: sandbox.sh SCRIPT [ARGS...]" >&2
		exit 2
	}
	[ "$(id -u)" = 0 ] || cannot_run "$1" "needs root (real uid 0) to unshare namespaces, mount and add users"
	command -v unshare >/dev/null 2>&1 || cannot_run "$1" "unshare(1) from util-linux is not installed"
	if ! err=$(unshare --mount --ipc --uts --net --pid --fork --kill-child --mount-proc \
		--propagation private -- sh -c 'mount -t tmpfs probe /tmp' 2>&1); then
		cannot_run "$1" "unshare/mount does not work here: $err"
	fi
	NSISO_SANDBOX=1
	NSISO_SANDBOX_TOKEN=$$-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
	export NSISO_SANDBOX NSISO_SANDBOX_TOKEN
	exec unshare --mount --ipc --uts --net --pid --fork --kill-child --mount-proc \
		--propagation private -- sh "$here/sandbox.sh" "$@"
}

setup_overlay()
{
	# $1: directory to overlay; upper/work live on the tmpfs at /run/.sandbox
	name=$(echo "$1" | tr / _)
	mkdir -p "/run/.sandbox/$name/upper" "/run/.sandbox/$name/work"
	mount -t overlay "sandbox$name" \
		-o "lowerdir=$1,upperdir=/run/.sandbox/$name/upper,workdir=/run/.sandbox/$name/work" "$1"
}

# The sandbox could not be set up: one failure, never a run outside it.
setup_failed()
{
	echo "not ok 1 - sandbox setup: $1"
	echo "adversarial: 0 passed, 1 failed"
	exit 1
}

inner()
{
	if [ "$$" != 1 ]; then
		echo "sandbox.sh: inner part is not PID 1 of a new pid namespace; refusing" >&2
		exit 2
	fi
	ip link set lo up || setup_failed "ip link set lo up"
	hostname nsiso-sandbox || setup_failed "hostname"
	mount -t tmpfs -o mode=0755,nosuid,nodev sandbox-run /run || setup_failed "tmpfs on /run"
	mkdir -m 0700 /run/.sandbox
	echo "$NSISO_SANDBOX_TOKEN" >/run/.sandbox/token
	setup_overlay /etc || setup_failed "overlayfs on /etc (upper dir on tmpfs)"
	setup_overlay /var || setup_failed "overlayfs on /var (upper dir on tmpfs)"
	# /dev: keep the host's /dev/pts (moved back on top of the overlay)
	mkdir -p /run/.sandbox/pts
	pts=0
	if mountpoint -q /dev/pts 2>/dev/null && mount --bind /dev/pts /run/.sandbox/pts; then
		pts=1
	fi
	mqueue=0
	mountpoint -q /dev/mqueue 2>/dev/null && mqueue=1
	setup_overlay /dev || setup_failed "overlayfs on /dev (upper dir on tmpfs)"
	if [ "$pts" = 1 ]; then
		mount --move /run/.sandbox/pts /dev/pts || setup_failed "moving /dev/pts back"
	fi
	mount -t tmpfs -o mode=1777,nosuid,nodev sandbox-tmp /tmp || setup_failed "tmpfs on /tmp"
	mount -t tmpfs -o mode=1777,nosuid,nodev sandbox-vartmp /var/tmp ||
		setup_failed "tmpfs on /var/tmp"
	mount -t tmpfs -o mode=1777,nosuid,nodev sandbox-shm /dev/shm ||
		setup_failed "tmpfs on /dev/shm"
	if [ "$mqueue" = 1 ]; then
		mkdir -p /dev/mqueue
		mount -t mqueue sandbox-mqueue /dev/mqueue || setup_failed "mqueue on /dev/mqueue"
	fi
	# Everything above is this namespace's own; check it before anything runs.
	for d in /run /tmp /var/tmp /dev/shm /etc /var /dev; do
		mountpoint -q "$d" || setup_failed "$d is not a fresh mount; refusing to run"
	done
	[ "$(findmnt -no FSTYPE --mountpoint /dev | tail -n 1)" = overlay ] ||
		setup_failed "/dev is not the sandbox's overlay; refusing to run"
	script=$1
	shift
	# A child, not exec: PID 1 stays this shell, which reaps orphans while it waits.
	rc=0
	sh "$script" "$@" || rc=$?
	exit "$rc"
}

if [ "${NSISO_SANDBOX:-}" = 1 ] && [ "$$" = 1 ]; then
	inner "$@"
else
	outer "$@"
fi
