# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh disable=SC3043,SC2034
# (local: dash, bash and busybox sh have it; SC2034: variables used by the
# t_*.sh files that source this)
#
# Helpers for the adversarial tests (tests/adversarial/t_*.sh): the reporting
# of tests/lib/tap.sh and the logins through nsiso-pamh of tests/lib/pamh.sh
# (what the integration tests use), with what hostile-input, race and fault
# tests need on top:
#
#   - the sandbox (tests/lib/sandbox.sh) overlays /dev as well, so the tests
#     can read the module's syslog lines through their own /dev/log;
#   - NSISO_TEST_MODULE / NSISO_TEST_PAMH pick the module and the harness
#     (build/pam_nsiso.so and build/nsiso-pamh by default), FAULT_MODULE is the
#     fault-injection build (make fault-build);
#   - snapshots of everything the sandbox can write, the machine's own root
#     file system (what a test must never touch), the set record and its pins,
#     and the processes left over;
#   - the keeper (registry v2): the pins live in a mount namespace of the
#     registry's own, pinned once at /run/nsiso/keeper, with no process and
#     no /proc inside. build/nsiso-keeper (tests/lib/keeper.c) reads its mount
#     table (keeper_nsfs), tampers with it, and holds it open for /proc/PID/root
#     (keeper_hold). Every pin assertion reads that table, never the record alone.
#
# Every assertion reads kernel facts and the file system, never the module's
# messages (except where the messages themselves are the subject: escaping).

TOP=$(cd "$(dirname "$0")/../.." && pwd)

# The sandbox this file runs in (tests/lib/sandbox.sh): outside it, start again inside.
export NSISO_SANDBOX_SUITE=adversarial NSISO_SANDBOX_OVERLAYS="etc var dev" NSISO_SANDBOX_HOSTNAME=nsiso-sandbox NSISO_SANDBOX_SSHD=0
sh "$TOP/tests/lib/sandbox.sh" --inside || exec sh "$TOP/tests/lib/sandbox.sh" "$0" "$@"

set -u

PAMH=${NSISO_TEST_PAMH:-$TOP/build/nsiso-pamh}
MODULE=${NSISO_TEST_MODULE:-$TOP/build/pam_nsiso.so}
FAULT_MODULE=${NSISO_TEST_FAULT_MODULE:-$TOP/build/fault/pam_nsiso.so}
KEEPER_TOOL=${NSISO_TEST_KEEPER:-$TOP/build/nsiso-keeper}
# Sanitizer builds are slower: ADV_TIME_FACTOR scales every time bound of the tests.
TIME_FACTOR=${ADV_TIME_FACTOR:-1}
LOGIN_TIMEOUT=${LOGIN_TIMEOUT:-$((120 * TIME_FACTOR))}
WAIT_TIMEOUT=${WAIT_TIMEOUT:-$((60 * TIME_FACTOR))}

TAP_SUITE=adversarial
# shellcheck source=tests/lib/tap.sh
. "$TOP/tests/lib/tap.sh"
# service nsiso-adv, /etc/nsiso-adv, work dirs under /run/nsiso-adv
PAMH_NAME=nsiso-adv
# shellcheck source=tests/lib/pamh.sh
. "$TOP/tests/lib/pamh.sh"

# ---------------------------------------------------------------- setup

need_fault_module()
{
	[ -f "$FAULT_MODULE" ] || bail "$FAULT_MODULE is missing: run make fault-build"
}

# Every file that reads the keeper's table (most of them) needs the tool.
need_keeper_tool()
{
	[ -x "$KEEPER_TOOL" ] || bail "$KEEPER_TOOL is missing: run make build/nsiso-keeper"
}

# $BIN/report DIR: the facts a session sees (fewer than the integration tests').
write_report_script()
{
	cat >"$BIN/report" <<'EOS'
#!/bin/sh
# report DIR: write what this process sees into DIR (created, must not exist yet)
d=$1
mkdir "$d" || exit 1
stat -L -c %i @NS_PATHS@ | paste -sd ' ' - >"$d/ns"
id -u >"$d/uid"
hostname >"$d/hostname"
findmnt -rn -t nsfs >"$d/findmnt_nsfs" 2>&1
for p in /tmp /var/tmp /dev/shm; do
	n=$(echo "$p" | tr / _)
	findmnt -no FSTYPE,OPTIONS --mountpoint "$p" 2>&1 | tail -n 1 >"$d/mnt$n"
done
cp /proc/self/mountinfo "$d/mountinfo"
exit 0
EOS
	ns_fill "$BIN/report"
	chmod 0755 "$BIN/report"
}

# ---------------------------------------------------------------- kernel facts

# keeper ARGS: build/nsiso-keeper (tests/lib/keeper.c): umount, rm, mkdir,
# mkfifo, symlink, write and bind inside the keeper; mounts and pins print its table.
keeper()
{
	"$KEEPER_TOOL" "$@"
}

# keeper_pinned: 0 when /run/nsiso/keeper is an nsfs mount of the sandbox's
# table, the only way the tool may enter it: a planted symlink or file there
# (t_state) must not lead the tool into some other namespace.
keeper_pinned()
{
	[ ! -L /run/nsiso ] && findmnt -rn -t nsfs -o TARGET | grep -qx /run/nsiso/keeper
}

# keeper_table: the keeper's mountinfo, empty when there is no keeper.
keeper_table()
{
	keeper_pinned || return 0
	"$KEEPER_TOOL" mounts 2>/dev/null || true
}

# keeper_nsfs: "TARGET NS:[INODE]" of every nsfs mount in the keeper's table,
# e.g. "/1001/ipc ipc:[4026532179]" (the kernel's own words: mountinfo's
# mount point and root fields), one line each, stacked mounts included.
keeper_nsfs()
{
	keeper_table | awk '{ for (i = 7; i <= NF && $i != "-"; i++) ; if ($(i + 1) == "nsfs") print $5, $4 }'
}

# keeper_pins: the mount points of keeper_nsfs.
keeper_pins()
{
	keeper_nsfs | cut -d' ' -f1
}

# adv_pins_of UID: the nsfs mounts of UID's pins in the keeper (stacked ones included).
adv_pins_of()
{
	keeper_pins | grep "^/$1/" || true
}

# host_nsfs: every nsfs mount in the sandbox's (the host's) own table, "TARGET".
host_nsfs()
{
	findmnt -rn -t nsfs -o TARGET || true
}

# host_stray_pins: nsfs mounts of pam_nsiso in the host's table other than the
# keeper's own pin: none may exist (registry v2 pins nothing else there).
host_stray_pins()
{
	host_nsfs | grep '^/run/nsiso' | grep -vx /run/nsiso/keeper || true
}

# all_pins: every pin of every set: the keeper's nsfs mounts, and any stray
# one of pam_nsiso in the host's table ("host TARGET").
all_pins()
{
	keeper_pins
	host_stray_pins | sed 's/^/host /'
}

# keeper_id: the kernel's id of the keeper's mount namespace (NS_GET_MNTNS_ID
# on its pin), what a set record names; empty when there is no keeper.
keeper_id()
{
	keeper_pinned || return 0
	python3 -c '
import fcntl, os, struct, sys
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_CLOEXEC)
print(struct.unpack("Q", fcntl.ioctl(fd, 0x8008b705, bytes(8)))[0])  # NS_GET_MNTNS_ID
' /run/nsiso/keeper 2>/dev/null || true
}

# keeper_procs: processes in the keeper's mount namespace (there should be
# none but the tests' own holders: the keeper lives by its pin alone).
keeper_procs()
{
	local k p
	keeper_pinned || return 0
	k=$(stat -L -c %i /run/nsiso/keeper 2>/dev/null) || return 0
	for p in /proc/[0-9]*; do
		[ "$(stat -L -c %i "$p/ns/mnt" 2>/dev/null)" = "$k" ] || continue
		grep -qx "${p#/proc/}" "$STATE/allowed.pids" 2>/dev/null && continue
		echo "${p#/proc/} $(cat "$p/comm" 2>/dev/null)"
	done
}

# keeper_hold TAG: a root process inside the keeper (nsiso-keeper hold), so
# that /proc/PID/root is the keeper's tree: HOLDER is its pid. Listed in
# $STATE/allowed.pids. It lives until keeper_unhold TAG closes its stdin.
keeper_hold()
{
	local fifo
	fifo=$STATE/keeper-hold-$1.fifo
	rm -f "$fifo"
	mkfifo -m 0600 "$fifo"
	sleep 3600 >"$fifo" &
	echo $! >"$STATE/keeper-hold-$1.writer"
	"$KEEPER_TOOL" hold <"$fifo" >/dev/null 2>&1 &
	HOLDER=$!
	echo "$HOLDER" >"$STATE/keeper-hold-$1.pid"
	echo "$HOLDER" >>"$STATE/allowed.pids"
	timeout 10 sh -c 'until [ "$(stat -L -c %i "/proc/$1/ns/mnt")" = "$(stat -L -c %i /run/nsiso/keeper)" ]; do sleep 0.02; done' \
		_ "$HOLDER" 2>/dev/null || bail "nsiso-keeper hold did not enter the keeper"
}

keeper_unhold()
{
	local w h
	w=$(cat "$STATE/keeper-hold-$1.writer" 2>/dev/null) || return 0
	h=$(cat "$STATE/keeper-hold-$1.pid" 2>/dev/null)
	kill "$w" 2>/dev/null
	wait "$w" "$h" 2>/dev/null || true
	rm -f "$STATE/keeper-hold-$1.writer"
}

# keeper_clear UID: remove every trace of UID's pins from the keeper, tampered
# ones included (stacked mounts, a symlinked or replaced pin directory),
# never through a symlink: /UID itself is removed first when it is a symlink
# or a file (rm: unlink, or rmdir when empty).
keeper_clear()
{
	local ns i
	keeper_pinned || return 0
	keeper rm "/$1" 2>/dev/null && return 0
	# tmp: the user's tmpfs (lib/store.h), mounted next to the pins.
	for ns in $NSISO_TEST_NS_ALL tmp; do
		i=0
		while [ $i -lt 16 ] && keeper umount "/$1/$ns" 2>/dev/null; do i=$((i + 1)); done
		keeper rm "/$1/$ns" 2>/dev/null
	done
	keeper rm "/$1" 2>/dev/null || true
}

# record_field UID KEY: a value of the set record (empty when there is none).
record_field()
{
	sed -n "s/^$2=//p" "/run/nsiso/users/$1/set" 2>/dev/null
}

# set_state UID: "none" (no record: whatever pins exist are stale), "made"
# (a record that names the pinned keeper, whose every pin is exactly one
# nsfs mount of the recorded namespace in the keeper's table), or "HALF:
# why" (a record that does not check out: a half-made or broken set is
# visible).
set_state()
{
	local uid rec ns ino n got kid live nsfs
	uid=$1
	rec=/run/nsiso/users/$uid/set
	if [ ! -e "$rec" ] && [ ! -L "$rec" ]; then
		echo none
		return
	fi
	# A planted symlink or special file is not a record the module wrote.
	if [ -L "$rec" ] || [ ! -f "$rec" ]; then
		echo none
		return
	fi
	kid=$(record_field "$uid" keeper)
	live=$(keeper_id)
	if [ -z "$kid" ] || [ "$kid" != "$live" ]; then
		echo "HALF: the record names keeper '$kid', the pinned keeper is '$live'"
		return
	fi
	nsfs=$(keeper_nsfs)
	for ns in $NSISO_TEST_NS_ALL; do
		ino=$(record_field "$uid" $ns)
		[ -n "$ino" ] || continue
		n=$(echo "$nsfs" | grep -c "^/$uid/$ns ")
		got=$(echo "$nsfs" | awk -v t="/$uid/$ns" '$1 == t { print $2 }' | paste -sd ' ' -)
		if [ "$n" != 1 ] || [ "$got" != "$ns:[$ino]" ]; then
			echo "HALF: $ns pin /$uid/$ns in the keeper: $n nsfs mount(s) ($got), record says $ino"
			return
		fi
	done
	[ -n "$(record_field "$uid" mnt)" ] || {
		echo "HALF: record without a mnt inode"
		return
	}
	echo made
}

# set_ns UID: "MNT IPC UTS" from the set record.
set_ns()
{
	echo "$(record_field "$1" mnt) $(record_field "$1" ipc) $(record_field "$1" uts)"
}

# machine_refs "MNT IPC UTS": every nsfs mount of one of these namespaces in
# any mount table on the machine: every /proc/PID/mountinfo (the sandbox's,
# services', users' own, other sets') and the keeper's table ("keeper: ...").
# After a tear-down this must be empty (the whole-machine invariant).
machine_refs()
{
	local re
	re=$(nsfs_re "$1")
	grep -H -E "$re" /proc/[0-9]*/mountinfo 2>/dev/null || true
	keeper_table | grep -E "$re" | sed 's/^/keeper: /' || true
}

# report_field FILE WHEN KEY: the value(s) of a --proc-report line of nsiso-pamh.
report_field()
{
	sed -n "s/^$2 $3 //p" "$1" 2>/dev/null | head -n 1
}

# foreign_procs: processes of the sandbox that are not in the sandbox's own
# mnt/ipc/uts namespaces (inside some set, or left over by a creation or
# tear-down child), except those listed in $STATE/allowed.pids. One line each.
foreign_procs()
{
	local p pid ns k paths
	for p in /proc/[0-9]*; do
		pid=${p#/proc/}
		paths=
		for k in $NSISO_TEST_NS; do
			paths="$paths $p/ns/$k"
		done
		# shellcheck disable=SC2086
		ns=$(stat -L -c %i $paths 2>/dev/null | paste -sd ' ' -)
		[ -n "$ns" ] || continue
		[ "$ns" = "$SANDBOX_NS" ] && continue
		grep -qx "$pid" "$STATE/allowed.pids" 2>/dev/null && continue
		echo "$pid $(cat "$p/comm" 2>/dev/null) ns=$ns"
	done
}

# pamh_procs: nsiso-pamh processes still alive (a harness or a creation/tear-down child).
pamh_procs()
{
	ps -eo pid=,stat=,comm=,args= | awk '$2 !~ /^Z/ && $3 == "nsiso-pamh"' || true
}

# wait_no_pamh [SECONDS]: until no live nsiso-pamh is left (children dying of
# PR_SET_PDEATHSIG take a moment); 0 when none is left.
wait_no_pamh()
{
	local i
	i=0
	while [ -n "$(pamh_procs)" ] && [ $i -lt $((${1:-5} * 20)) ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ -z "$(pamh_procs)" ]
}

# ---------------------------------------------------------------- file-system snapshots

# fs_snapshot FILE: everything in the sandbox's writable trees (the /run tmpfs
# with the overlay upper dirs of /etc, /var and /dev, /tmp, /var/tmp,
# /dev/shm): type, mode, owner, path. The test's own state and output dirs
# are left out.
fs_snapshot()
{
	find /run /tmp /var/tmp /dev/shm \
		\( -path "$STATE" -o -path "$OUT" -o -path "$FLAGS" -o -path /run/.sandbox/token \) -prune -o \
		-printf '%y %m %U:%G %p\n' 2>/dev/null | LC_ALL=C sort >"$1"
}

# fs_changes BEFORE: what changed since the snapshot BEFORE (diff lines).
fs_changes()
{
	local now
	now=$STATE/snap.$$.now
	fs_snapshot "$now"
	diff "$1" "$now" | grep '^[<>]' || true
	rm -f "$now"
}

# host_list: every entry of the machine's own root file system, outside the
# sandbox's own mounts (-xdev), the tree under test (its build logs grow while
# the tests run), /work, /root, /mnt, /proc and /sys: inode, owner, group, mode,
# type and path, sorted by path.
host_list()
{
	find / -xdev \( -path "${NSISO_SANDBOX_HOST_TREE:-/nonexistent}" -o -path /work \
		-o -path /root -o -path /mnt -o -path /proc -o -path /sys -o -path /lost+found \) \
		-prune -o -printf '%p\t%i %U %G %m %y\n' 2>/dev/null | LC_ALL=C sort
}

# host_mark: list the machine's own root file system, to compare later
# (host_changes).
host_mark()
{
	host_list >"$STATE/host.before"
}

# host_changes: entries of the machine's own root file system created, removed,
# replaced (new inode), chowned or chmodded since host_mark. Content-only
# writes to files that already existed are not counted: whoever runs the tests
# (a CI harness writing its log, say) appends to its own files meanwhile, and
# no path the module builds comes from a user name, so the attack this guards
# against shows up as a new entry or a changed owner or mode.
host_changes()
{
	local now
	now=$STATE/host.now.$$
	host_list >"$now"
	LC_ALL=C comm -3 "$STATE/host.before" "$now" | sed 's/^\t/now:    /; t; s/^/before: /'
	rm -f "$now"
}
