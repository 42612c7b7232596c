#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC3043
# (local: dash, bash and busybox sh have it)
#
# tests/lib/sandbox.sh SCRIPT [ARGS...]
# tests/lib/sandbox.sh --inside    exit 0 when this process is in such a sandbox
# tests/lib/sandbox.sh --check     exit 0 when one can be made here; else say why
#
# Run SCRIPT (with sh) as the only child of PID 1 of a throwaway sandbox:
#
#   unshare --mount --ipc --uts --net --pid --fork --kill-child --mount-proc --propagation private
#
# PID 1 is this shell. When SCRIPT ends, PID 1 exits: the kernel kills every
# process of the pid namespace (sessions, sshd, su, ...) and every mount goes
# away with the mount namespace. --kill-child: if unshare itself is killed (a
# run.sh's timeout), PID 1 is killed too. Inside, before SCRIPT runs:
#
#   lo up; hostname $NSISO_SANDBOX_HOSTNAME
#   fresh tmpfs on /run, /tmp, /var/tmp, /dev/shm (the host's are never touched;
#     /dev/shm too, because a set that failed to isolate it would write there),
#     and a fresh mqueue on /dev/mqueue where the host has one
#   overlayfs over /etc, /var and each of $NSISO_SANDBOX_OVERLAYS, upper and
#     work dirs on the /run tmpfs (/run/.sandbox/_DIR), each upper dir with its
#     directory's owner and mode: useradd/groupadd, pam.d and policy edits,
#     /var/lib/nsiso, what useradd writes to /var/log/lastlog and faillog
#     (hence /var, not only /var/lib) stay in the sandbox.
#       root home: the ssh client's files, users' homes (useradd -m)
#       dev:       the host's device nodes stay usable; anything created there
#                  (the /dev/log socket the adversarial tests listen on) lands
#                  in the upper dir; the host's /dev/pts is moved back on top
#   /run/sshd (sshd's privilege separation directory) with NSISO_SANDBOX_SSHD=1
#   the source tree bound at /run/nsiso-src, and SCRIPT run from there: the
#     tree may sit under /tmp (a CI clone) and would vanish under the fresh
#     tmpfs; /run/nsiso-src is seen by every set made inside too
#
# Environment (each suite's lib.sh sets and exports all of it):
#   NSISO_SANDBOX_SUITE     the suite, for the summary line of a sandbox that
#                           cannot be made ("SUITE: 0 passed, 1 failed")
#   NSISO_SANDBOX_OVERLAYS  directories under / to overlay besides etc and var
#   NSISO_SANDBOX_HOSTNAME  default nsiso-sandbox
#   NSISO_SANDBOX_SSHD      1: make /run/sshd
# --inside holds only in a sandbox made with the same settings: a token in the
# environment that matches /run/.sandbox/token, which also records them.
#
# Exit status: SCRIPT's; 77 with a "# SKIP" line when the sandbox cannot be
# made here and $CI is unset (a skip); 1 with a "not ok" line when it cannot
# be made and $CI is set, or when setting it up fails (never a run outside it).
set -u
set -f # no globbing: lists of directories are split on blanks, never expanded

here=$(cd "$(dirname "$0")" && pwd)

# Every directory overlaid, etc and var first.
sandbox_overlays()
{
	local list d
	list="etc var"
	for d in ${NSISO_SANDBOX_OVERLAYS:-}; do
		case " $list " in
		*" $d "*) ;;
		*) list="$list $d" ;;
		esac
	done
	echo "$list"
}

# The settings, as recorded next to the token.
sandbox_settings()
{
	echo "overlays=$(sandbox_overlays) sshd=${NSISO_SANDBOX_SSHD:-0} hostname=${NSISO_SANDBOX_HOSTNAME:-nsiso-sandbox}"
}

sandbox_inside()
{
	[ "${NSISO_SANDBOX:-}" = 1 ] && [ -n "${NSISO_SANDBOX_TOKEN:-}" ] &&
		[ -r /run/.sandbox/token ] &&
		[ "$(cat /run/.sandbox/token)" = "$NSISO_SANDBOX_TOKEN $(sandbox_settings)" ]
}

# sandbox_check: empty when a sandbox can be made here, else why not.
sandbox_check()
{
	local err
	if [ "$(id -u)" != 0 ]; then
		echo "needs root (uid 0) to unshare namespaces, mount and add users"
	elif ! command -v unshare >/dev/null 2>&1; then
		echo "unshare(1) from util-linux is not installed"
	elif ! err=$(unshare --mount --ipc --uts --net --pid --fork --kill-child --mount-proc \
		--propagation private -- sh -c 'mount -t tmpfs probe /tmp && mkdir /tmp/l /tmp/u /tmp/w /tmp/m &&
			mount -t overlay probe -o lowerdir=/tmp/l,upperdir=/tmp/u,workdir=/tmp/w /tmp/m' 2>&1); then
		echo "unshare, tmpfs or overlayfs does not work here: $err"
	fi
}

# The reporting (cannot_run, the summary line) is the tests' own.
sandbox_tap()
{
	TAP_SUITE=${NSISO_SANDBOX_SUITE:-sandbox}
	# shellcheck source=tests/lib/tap.sh
	. "$here/tap.sh"
	TEST_NAME=$(basename "$1" .sh)
}

outer()
{
	local why d
	[ $# -ge 1 ] || {
		echo "usage: sandbox.sh SCRIPT [ARGS...] | --inside | --check" >&2
		exit 2
	}
	sandbox_tap "$1"
	for d in $(sandbox_overlays); do
		case $d in
		*[!a-z]*)
			echo "sandbox.sh: NSISO_SANDBOX_OVERLAYS: '$d' is not a directory under /" >&2
			exit 2
			;;
		esac
		[ -d "/$d" ] || {
			echo "sandbox.sh: NSISO_SANDBOX_OVERLAYS: /$d is not a directory" >&2
			exit 2
		}
	done
	why=$(sandbox_check)
	[ -z "$why" ] || cannot_run "$why"
	NSISO_SANDBOX=1
	NSISO_SANDBOX_TOKEN=$$-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
	export NSISO_SANDBOX NSISO_SANDBOX_TOKEN
	exec unshare --mount --ipc --uts --net --pid --fork --kill-child --mount-proc \
		--propagation private -- sh "$here/sandbox.sh" "$@"
}

# The sandbox could not be set up: one failure, never a run outside it.
setup_failed()
{
	fail "sandbox setup: $1"
	done_testing
}

# overlay DIR: overlayfs over DIR, upper/work on the /run tmpfs; the upper
# dir gets DIR's owner and mode (the overlay's root shows the upper's).
overlay()
{
	local name
	name=$(echo "$1" | tr / _)
	mkdir -p "/run/.sandbox/$name/upper" "/run/.sandbox/$name/work" &&
		chown --reference="$1" "/run/.sandbox/$name/upper" &&
		chmod --reference="$1" "/run/.sandbox/$name/upper" &&
		mount -t overlay "sandbox$name" \
			-o "lowerdir=$1,upperdir=/run/.sandbox/$name/upper,workdir=/run/.sandbox/$name/work" "$1"
}

# overlay_dev: /dev as an overlay, with the host's /dev/pts moved back on top.
overlay_dev()
{
	local pts
	mkdir -p /run/.sandbox/pts
	pts=0
	if mountpoint -q /dev/pts 2>/dev/null && mount --bind /dev/pts /run/.sandbox/pts; then
		pts=1
	fi
	overlay /dev || setup_failed "overlayfs on /dev (upper dir on tmpfs)"
	if [ "$pts" = 1 ]; then
		mount --move /run/.sandbox/pts /dev/pts || setup_failed "moving /dev/pts back"
	fi
}

# The tree's home inside: on the sandbox's own /run, which every set made in
# the sandbox sees too (a set's fresh /tmp would hide a tree kept under /tmp).
SRC=/run/nsiso-src

# relocate_tree OLDTOP: bind the tree (open on fd 8) at $SRC, move there, and
# point the variables that may name files of it there too.
relocate_tree()
{
	local v val
	mkdir -m 0755 "$SRC" && mount --bind /proc/self/fd/8 "$SRC" ||
		setup_failed "binding the source tree at $SRC"
	exec 8<&-
	# Where the tree lives on the machine's own file system, for checks that
	# must tell the tests' own writes (build logs) from anyone else's.
	export NSISO_SANDBOX_HOST_TREE="$1"
	# Paths into the tree that came in from outside: the module and harness
	# under test, and where the sanitizers write their reports (lost otherwise).
	for v in NSISO_TEST_MODULE NSISO_TEST_PAMH ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
		eval "val=\${$v:-}"
		[ -n "$val" ] || continue
		val=$(printf '%s\n' "$val" | awk -v a="$1/" -v b="$SRC/" '{
			out = ""
			while ((i = index($0, a)) > 0) {
				out = out substr($0, 1, i - 1) b
				$0 = substr($0, i + length(a))
			}
			print out $0
		}')
		export "$v=$val"
	done
	case $PWD/ in
	"$1"/*) cd "$SRC${PWD#"$1"}" || setup_failed "cd into $SRC" ;;
	*) cd / || setup_failed "cd /" ;;
	esac
}

# in_tree OLDTOP PATH: PATH (absolute, or relative to where we were) in $SRC.
in_tree()
{
	local p
	case $2 in
	/*) p=$2 ;;
	*) p=$OLDPWD_SANDBOX/$2 ;;
	esac
	case $p in
	"$1"/*) echo "$SRC${p#"$1"}" ;;
	*) echo "$p" ;;
	esac
}

inner()
{
	OLDPWD_SANDBOX=$PWD
	local script umask_was overlays d mqueue
	if [ "$$" != 1 ]; then
		echo "sandbox.sh: inner part is not PID 1 of a new pid namespace; refusing" >&2
		exit 2
	fi
	sandbox_tap "$1"
	overlays=$(sandbox_overlays)
	# The tree under test may live where fresh tmpfs go below (a CI clone in
	# /tmp): hold it open across the mounts, then give it a fixed home.
	top=$(cd "$here/../.." && pwd) || setup_failed "cannot find the source tree"
	exec 8<"$top" || setup_failed "cannot open $top"
	# The sandbox's own dirs get the usual modes; SCRIPT gets the caller's umask.
	umask_was=$(umask)
	umask 022
	ip link set lo up || setup_failed "ip link set lo up"
	hostname "${NSISO_SANDBOX_HOSTNAME:-nsiso-sandbox}" || setup_failed "hostname"
	mount -t tmpfs -o mode=0755,nosuid,nodev sandbox-run /run || setup_failed "tmpfs on /run"
	mkdir -m 0700 /run/.sandbox || setup_failed "mkdir /run/.sandbox"
	echo "$NSISO_SANDBOX_TOKEN $(sandbox_settings)" >/run/.sandbox/token ||
		setup_failed "writing the token"
	mqueue=0
	mountpoint -q /dev/mqueue 2>/dev/null && mqueue=1
	for d in $overlays; do
		case $d in
		dev) overlay_dev ;;
		*) overlay "/$d" || setup_failed "overlayfs on /$d (upper dir on tmpfs)" ;;
		esac
	done
	mount -t tmpfs -o mode=1777,nosuid,nodev sandbox-tmp /tmp || setup_failed "tmpfs on /tmp"
	mount -t tmpfs -o mode=1777,nosuid,nodev sandbox-vartmp /var/tmp ||
		setup_failed "tmpfs on /var/tmp"
	mount -t tmpfs -o mode=1777,nosuid,nodev sandbox-shm /dev/shm ||
		setup_failed "tmpfs on /dev/shm"
	if [ "$mqueue" = 1 ]; then
		if ! mkdir -p /dev/mqueue || ! mount -t mqueue sandbox-mqueue /dev/mqueue; then
			setup_failed "mqueue on /dev/mqueue"
		fi
	fi
	if [ "${NSISO_SANDBOX_SSHD:-0}" = 1 ]; then
		mkdir -m 0755 /run/sshd || setup_failed "mkdir /run/sshd"
	fi
	relocate_tree "$top"
	# Everything above is this namespace's own; check it before anything runs.
	for d in /run /tmp /var/tmp /dev/shm; do
		mountpoint -q "$d" || setup_failed "$d is not a fresh mount; refusing to run"
	done
	for d in $overlays; do
		[ "$(findmnt -no FSTYPE --mountpoint "/$d" | tail -n 1)" = overlay ] ||
			setup_failed "/$d is not the sandbox's overlay; refusing to run"
	done
	umask "$umask_was"
	script=$(in_tree "$top" "$1")
	shift
	# A child, not exec: PID 1 stays this shell, which reaps orphans while it waits.
	rc=0
	sh "$script" "$@" || rc=$?
	exit "$rc"
}

case ${1:-} in
--inside)
	sandbox_inside
	;;
--check)
	why=$(sandbox_check)
	[ -z "$why" ] || {
		echo "$why"
		exit 1
	}
	;;
*)
	if [ "${NSISO_SANDBOX:-}" = 1 ] && [ "$$" = 1 ]; then
		inner "$@"
	else
		outer "$@"
	fi
	;;
esac
