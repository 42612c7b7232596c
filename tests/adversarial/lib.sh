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
#     and the processes left over.
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

# $BIN/report DIR: the facts a session sees (fewer than the integration tests').
write_report_script()
{
	cat >"$BIN/report" <<'EOS'
#!/bin/sh
# report DIR: write what this process sees into DIR (created, must not exist yet)
d=$1
mkdir "$d" || exit 1
stat -L -c %i /proc/self/ns/mnt /proc/self/ns/ipc /proc/self/ns/uts | paste -sd ' ' - >"$d/ns"
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
	chmod 0755 "$BIN/report"
}

# ---------------------------------------------------------------- kernel facts

# all_pins: every nsfs mount under /run/nsiso in the sandbox's mount table.
all_pins()
{
	findmnt -rn -t nsfs -o TARGET | grep '^/run/nsiso/' || true
}

# record_field UID KEY: a value of the set record (empty when there is none).
record_field()
{
	sed -n "s/^$2=//p" "/run/nsiso/users/$1/set" 2>/dev/null
}

# set_state UID: "none" (no record: whatever pins exist are stale), "made"
# (a record whose every pin is exactly one nsfs mount of the recorded
# namespace), or "HALF: why" (a record that does not check out: a half-made
# or broken set is visible).
set_state()
{
	local uid rec ns ino got n path
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
	for ns in mnt ipc uts; do
		ino=$(record_field "$uid" $ns)
		[ -n "$ino" ] || continue
		if [ $ns = mnt ]; then path=/run/nsiso/mnt/$uid; else path=/run/nsiso/ns/$uid/$ns; fi
		n=$(findmnt -rn -t nsfs -o TARGET | grep -cx "$path")
		got=$(stat -L -c %i "$path" 2>/dev/null)
		if [ "$n" != 1 ] || [ "$got" != "$ino" ]; then
			echo "HALF: $ns pin $path: $n nsfs mount(s), inode '$got', record says $ino"
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

# foreign_procs: processes of the sandbox that are not in the sandbox's own
# mnt/ipc/uts namespaces (inside some set, or left over by a creation or
# tear-down child), except those listed in $STATE/allowed.pids. One line each.
foreign_procs()
{
	local p pid ns
	for p in /proc/[0-9]*; do
		pid=${p#/proc/}
		ns=$(stat -L -c %i "$p/ns/mnt" "$p/ns/ipc" "$p/ns/uts" 2>/dev/null | paste -sd ' ' -)
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
