#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/e2e/sandbox.sh SCRIPT [ARGS...]
#
# Run SCRIPT (with sh) as the only child of PID 1 of a throwaway sandbox:
#
#   unshare --mount --ipc --uts --net --pid --fork --kill-child --mount-proc --propagation private
#
# PID 1 is this shell. When SCRIPT ends, PID 1 exits: the kernel kills every
# process of the pid namespace (sshd, sessions, su, ...) and every mount goes
# away with the mount namespace. --kill-child: if unshare itself is killed
# (run.sh's timeout), PID 1 is killed too. Inside, before SCRIPT runs:
#
#   lo up; hostname nsiso-e2e
#   fresh tmpfs on /run, /tmp, /var/tmp, /dev/shm (and a fresh mqueue)
#   overlayfs over /etc, /var, /root and /home, upper and work dirs on a tmpfs
#     under /run: useradd, home dirs, pam.d, sshd_config and host keys, the
#     policy, wtmp/lastlog written by sshd, anything the ssh client might
#     write under /root: all of it stays in the sandbox.
#   /run/sshd (sshd's privilege separation directory)
#
# Exit status: SCRIPT's; 77 (a skip) with a "# SKIP" line when the sandbox
# cannot be made here and $CI is unset; 1 with a "not ok" line when $CI is set.
set -eu

here=$(cd "$(dirname "$0")" && pwd)

cannot_run()
{
	if [ -n "${CI:-}" ]; then
		echo "not ok 1 - $(basename "$1" .sh): cannot run: $2"
		echo "# CI is set: a test that cannot run is a failure, not a skip"
		echo "e2e: 0 passed, 1 failed"
		exit 1
	fi
	echo "# SKIP $(basename "$1" .sh): cannot run: $2"
	echo "e2e: 0 passed, 0 failed"
	exit 77
}

outer()
{
	[ $# -ge 1 ] || {
		echo "usage: sandbox.sh SCRIPT [ARGS...]" >&2
		exit 2
	}
	[ "$(id -u)" = 0 ] || cannot_run "$1" "needs root (uid 0) to unshare namespaces, mount, add users and run sshd"
	command -v unshare >/dev/null 2>&1 || cannot_run "$1" "unshare(1) from util-linux is not installed"
	if ! err=$(unshare --mount --ipc --uts --net --pid --fork --kill-child --mount-proc \
		--propagation private -- sh -c 'mount -t tmpfs probe /tmp && mkdir /tmp/l /tmp/u /tmp/w /tmp/m &&
			mount -t overlay probe -o lowerdir=/tmp/l,upperdir=/tmp/u,workdir=/tmp/w /tmp/m' 2>&1); then
		cannot_run "$1" "unshare, tmpfs or overlayfs does not work here: $err"
	fi
	NSISO_E2E_SANDBOX=1
	NSISO_E2E_TOKEN=$$-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
	export NSISO_E2E_SANDBOX NSISO_E2E_TOKEN
	exec unshare --mount --ipc --uts --net --pid --fork --kill-child --mount-proc \
		--propagation private -- sh "$here/sandbox.sh" "$@"
}

# overlay DIR: overlayfs over DIR, upper/work on the /run tmpfs; the upper
# dir gets DIR's owner and mode (the overlay's root shows the upper's).
overlay()
{
	name=$(echo "$1" | tr / _)
	mkdir -p "/run/.sandbox/$name/upper" "/run/.sandbox/$name/work"
	chown --reference="$1" "/run/.sandbox/$name/upper"
	chmod --reference="$1" "/run/.sandbox/$name/upper"
	mount -t overlay "e2e$name" \
		-o "lowerdir=$1,upperdir=/run/.sandbox/$name/upper,workdir=/run/.sandbox/$name/work" "$1"
}

inner()
{
	if [ "$$" != 1 ]; then
		echo "sandbox.sh: inner part is not PID 1 of a new pid namespace; refusing" >&2
		exit 2
	fi
	umask 022
	ip link set lo up
	hostname nsiso-e2e
	mount -t tmpfs -o mode=0755,nosuid,nodev e2e-run /run
	mkdir -m 0700 /run/.sandbox
	echo "$NSISO_E2E_TOKEN" >/run/.sandbox/token
	for d in /etc /var /root /home; do
		overlay "$d"
	done
	mount -t tmpfs -o mode=1777,nosuid,nodev e2e-tmp /tmp
	mount -t tmpfs -o mode=1777,nosuid,nodev e2e-vartmp /var/tmp
	mount -t tmpfs -o mode=1777,nosuid,nodev e2e-shm /dev/shm
	if mountpoint -q /dev/mqueue 2>/dev/null; then
		mount -t mqueue e2e-mqueue /dev/mqueue
	fi
	mkdir -m 0755 /run/sshd
	# Everything above is this namespace's own; check it before anything runs.
	for d in /run /tmp /var/tmp /dev/shm /etc /var /root /home; do
		mountpoint -q "$d" || {
			echo "sandbox.sh: $d is not a fresh mount; refusing to run" >&2
			exit 2
		}
	done
	script=$1
	shift
	# A child, not exec: PID 1 stays this shell, which reaps orphans while it waits.
	rc=0
	sh "$script" "$@" || rc=$?
	exit "$rc"
}

if [ "${NSISO_E2E_SANDBOX:-}" = 1 ] && [ "$$" = 1 ]; then
	inner "$@"
else
	outer "$@"
fi
