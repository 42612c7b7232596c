# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh disable=SC3043
# (local: dash, bash and busybox sh have it)
#
# Helpers for the adversarial tests (tests/adversarial/t_*.sh). A copy of the
# integration helpers (tests/integration/lib.sh) with what hostile-input,
# race and fault tests need on top:
#
#   - the sandbox is tests/adversarial/sandbox.sh (a private /dev as well, so
#     the tests can read the module's syslog lines through their own /dev/log);
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

in_sandbox()
{
	[ "${NSISO_SANDBOX:-}" = 1 ] && [ -n "${NSISO_SANDBOX_TOKEN:-}" ] &&
		[ -r /run/.sandbox/token ] &&
		[ "$(cat /run/.sandbox/token)" = "$NSISO_SANDBOX_TOKEN" ]
}

if ! in_sandbox; then
	exec sh "$TOP/tests/adversarial/sandbox.sh" "$0" "$@"
fi

set -u

PAMH=${NSISO_TEST_PAMH:-$TOP/build/nsiso-pamh}
MODULE=${NSISO_TEST_MODULE:-$TOP/build/pam_nsiso.so}
FAULT_MODULE=${NSISO_TEST_FAULT_MODULE:-$TOP/build/fault/pam_nsiso.so}
SERVICE=nsiso-adv
CONFDIR=/etc/nsiso-adv # root 0755, in the sandbox's overlay of /etc
CONF=$CONFDIR/nsiso.conf
PAMDIR=$CONFDIR/pam.d
W=/run/nsiso-adv # root 0755 work dir, visible inside the sets (same /run tmpfs)
BIN=$W/bin
FLAGS=$W/flags
OUT=$W/out
STATE=$W/state
SYSLOG=$STATE/syslog
# Sanitizer builds are slower: ADV_TIME_FACTOR scales every time bound of the tests.
TIME_FACTOR=${ADV_TIME_FACTOR:-1}
LOGIN_TIMEOUT=${LOGIN_TIMEOUT:-$((120 * TIME_FACTOR))}
WAIT_TIMEOUT=${WAIT_TIMEOUT:-$((60 * TIME_FACTOR))}
TEST_NAME=$(basename "$0" .sh)

N_PASS=0
N_FAIL=0
N_TEST=0

# ---------------------------------------------------------------- reporting

diag()
{
	printf '%s\n' "$@" | sed 's/^/#   /'
}

diag_file()
{
	[ -s "$1" ] || return 0
	printf '#   --- %s\n' "$1"
	head -n 40 "$1" | sed 's/^/#   | /'
}

pass()
{
	N_TEST=$((N_TEST + 1))
	N_PASS=$((N_PASS + 1))
	echo "ok $N_TEST - $1"
}

fail()
{
	N_TEST=$((N_TEST + 1))
	N_FAIL=$((N_FAIL + 1))
	echo "not ok $N_TEST - $1"
	shift
	[ $# -eq 0 ] || diag "$@"
}

# cannot DESC REASON: a case that cannot run here. A skip, or a failure with $CI set.
cannot()
{
	if [ -n "${CI:-}" ]; then
		fail "$1" "cannot run: $2" "CI is set: a case that cannot run is a failure"
	else
		N_TEST=$((N_TEST + 1))
		echo "ok $N_TEST - $1 # SKIP $2"
	fi
}

is()
{
	if [ "$1" = "$2" ]; then
		pass "$3"
	else
		fail "$3" "got:  '$1'" "want: '$2'"
	fi
}

isnt()
{
	if [ "$1" != "$2" ]; then
		pass "$3"
	else
		fail "$3" "got:  '$1'" "want anything but that"
	fi
}

# empty GOT DESC: passes when GOT is empty; shows it otherwise.
empty()
{
	if [ -z "$1" ]; then
		pass "$2"
	else
		fail "$2" "unexpected:"
		printf '%s\n' "$1" | head -n 40 | sed 's/^/#   | /'
	fi
}

ok_cmd()
{
	local desc out rc
	desc=$1
	shift
	rc=0
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" = 0 ]; then
		pass "$desc"
	else
		fail "$desc" "command: $*" "exit: $rc"
		[ -z "$out" ] || printf '%s\n' "$out" | head -n 40 | sed 's/^/#   | /'
	fi
}

no_cmd()
{
	local desc out rc
	desc=$1
	shift
	rc=0
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" != 0 ]; then
		pass "$desc"
	else
		fail "$desc" "command unexpectedly succeeded: $*"
		[ -z "$out" ] || printf '%s\n' "$out" | head -n 40 | sed 's/^/#   | /'
	fi
}

done_testing()
{
	echo "adversarial: $N_PASS passed, $N_FAIL failed"
	[ "$N_FAIL" = 0 ] && [ "$N_PASS" -gt 0 ]
	exit $?
}

bail()
{
	fail "$TEST_NAME: cannot continue: $1"
	shift
	[ $# -eq 0 ] || diag "$@"
	done_testing
}

# case_start TEXT: a comment line that names the case that follows.
case_start()
{
	echo "# --- $*"
}

# ---------------------------------------------------------------- setup

setup()
{
	[ -x "$PAMH" ] || bail "$PAMH is missing: run make build/nsiso-pamh"
	mkdir -p "$W" "$BIN" "$FLAGS" "$OUT" "$CONFDIR" "$PAMDIR" "$STATE"
	chmod 0755 "$W" "$BIN" "$FLAGS" "$OUT"
	chmod 0700 "$STATE"
	chown root:root "$W" "$BIN" "$FLAGS" "$OUT" "$CONFDIR" "$PAMDIR" "$STATE"
	chmod 0755 "$CONFDIR" "$PAMDIR"
	[ "$(stat -c %a /etc)" = 755 ] || bail "/etc is not 0755: the policy dir would be refused"
	write_report_script
}

need_module()
{
	case $MODULE in
	*/*) [ -f "$MODULE" ] || bail "$MODULE is missing: run make" ;;
	esac
}

need_fault_module()
{
	[ -f "$FAULT_MODULE" ] || bail "$FAULT_MODULE is missing: run make fault-build"
}

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

# start_logsink: build tests/adversarial/logsink.c and listen on the sandbox's
# /dev/log; every syslog line of the module ends up in $SYSLOG.
start_logsink()
{
	[ -e "$BIN/logsink" ] || cc -O1 -o "$BIN/logsink" "$TOP/tests/adversarial/logsink.c" ||
		return 1
	: >"$SYSLOG"
	"$BIN/logsink" /dev/log "$SYSLOG" &
	echo $! >"$STATE/logsink.pid"
	timeout 10 sh -c 'until [ -S /dev/log ]; do sleep 0.05; done'
}

# ---------------------------------------------------------------- users

add_user()
{
	local name
	name=$1
	shift
	useradd -M -l -s /bin/sh "$@" "$name" || bail "useradd $name failed"
	mkdir -m 0700 "$OUT/$name"
	chown "$name:" "$OUT/$name"
}

uid_of()
{
	id -u "$1"
}

# ---------------------------------------------------------------- PAM and policy

write_pam()
{
	write_pam_module "$MODULE" "$@"
}

# write_pam_module MODULE [ARGS...]
write_pam_module()
{
	local m
	m=$1
	shift
	write_pam_config "$m" "$CONF" "$@"
}

# write_pam_config MODULE CONFIG [ARGS...]: the module with config=CONFIG.
write_pam_config()
{
	local m c
	m=$1
	c=$2
	shift 2
	{
		echo "session required pam_permit.so"
		echo "session required $m config=$c $*"
	} >"$PAMDIR/$SERVICE.tmp"
	chmod 0644 "$PAMDIR/$SERVICE.tmp"
	mv "$PAMDIR/$SERVICE.tmp" "$PAMDIR/$SERVICE"
}

write_policy()
{
	cat >"$CONF.tmp"
	chown root:root "$CONF.tmp"
	chmod 0644 "$CONF.tmp"
	mv "$CONF.tmp" "$CONF"
}

# ---------------------------------------------------------------- logins

# login TAG USER [nsiso-pamh options] -- CMD [ARGS...]
login()
{
	local tag user
	tag=$1
	user=$2
	shift 2
	timeout -k 5 "$LOGIN_TIMEOUT" "$PAMH" --confdir "$PAMDIR" --service "$SERVICE" \
		--user "$user" "$@" </dev/null 2>"$STATE/$tag.err"
}

report_login()
{
	local tag user
	tag=$1
	user=$2
	shift 2
	RC=0
	login "$tag" "$user" "$@" -- "$BIN/report" "$OUT/$user/$tag" || RC=$?
}

fact()
{
	cat "$OUT/$1/$2/$3" 2>/dev/null || echo MISSING
}

expect_rc()
{
	if [ "$2" = "$3" ]; then
		pass "$4"
	else
		fail "$4" "nsiso-pamh exit status: $2, want $3"
		diag_file "$STATE/$1.err"
	fi
}

# bg_session TAG USER SNIPPET [pamh options]: see tests/integration/lib.sh.
bg_session()
{
	local tag user snippet
	tag=$1
	user=$2
	snippet=$3
	shift 3
	rm -f "$STATE/$tag.rc" "$FLAGS/$tag"
	(
		rc=0
		login "$tag" "$user" "$@" -- sh -c "echo \$\$ >$OUT/$user/$tag.pid
$snippet
$BIN/report $OUT/$user/$tag
: >$OUT/$user/$tag.ready
timeout $WAIT_TIMEOUT sh -c 'until [ -e $FLAGS/$tag ]; do sleep 0.1; done'" || rc=$?
		echo "$rc" >"$STATE/$tag.rc"
	) &
	echo $! >"$STATE/$tag.pid"
}

session_pid()
{
	cat "$OUT/$1/$2.pid" 2>/dev/null || echo none
}

wait_file()
{
	timeout "${2:-$WAIT_TIMEOUT}" sh -c 'until [ -e "$1" ]; do sleep 0.05; done' _ "$1"
}

wait_ready()
{
	timeout "$WAIT_TIMEOUT" sh -c \
		'until [ -e "$1" ] || [ -e "$2" ]; do sleep 0.05; done; [ -e "$1" ]' \
		_ "$OUT/$2/$1.ready" "$STATE/$1.rc"
}

release()
{
	: >"$FLAGS/$1"
}

finish()
{
	release "$1"
	if wait_file "$STATE/$1.rc" $((LOGIN_TIMEOUT + 10)); then
		RC=$(cat "$STATE/$1.rc")
	else
		RC=timeout
	fi
	wait "$(cat "$STATE/$1.pid")" 2>/dev/null || true
}

# ---------------------------------------------------------------- kernel facts

ns_of()
{
	stat -L -c %i "/proc/$1/ns/mnt" "/proc/$1/ns/ipc" "/proc/$1/ns/uts" | paste -sd ' ' -
}

field()
{
	echo "$2" | awk -v n="$1" '{ print $n }'
}

# pins_of UID: nsfs mount points for UID in the sandbox's mount table (one line per mount).
pins_of()
{
	findmnt -rn -t nsfs -o TARGET | grep -E "^/run/nsiso/(mnt/$1|ns/$1/[a-z]+)\$" || true
}

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

# mountinfo_refs "MNT IPC UTS": every mount table line on the machine that is an
# nsfs mount of one of these namespaces.
mountinfo_refs()
{
	local mnt ipc uts
	mnt=$(field 1 "$1")
	ipc=$(field 2 "$1")
	uts=$(field 3 "$1")
	grep -H -E " (mnt:\[$mnt\]|ipc:\[$ipc\]|uts:\[$uts\]) " /proc/[0-9]*/mountinfo 2>/dev/null || true
}

# hold_ns TAG PID: keep the namespaces of PID alive (fds held by a root
# process that is not in them), so their inode numbers cannot be reused.
hold_ns()
{
	sh -c 'exec sleep 3600' 7<"/proc/$2/ns/mnt" 8<"/proc/$2/ns/ipc" 9<"/proc/$2/ns/uts" \
		</dev/null >/dev/null 2>&1 &
	echo $! >"$STATE/hold-$1.pid"
	echo $! >>"$STATE/allowed.pids"
}

unhold_ns()
{
	local p
	p=$(cat "$STATE/hold-$1.pid" 2>/dev/null) || return 0
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null || true
}

wait_gone()
{
	timeout "$WAIT_TIMEOUT" sh -c 'while [ -e "/proc/$1" ]; do sleep 0.05; done' _ "$1"
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

# host_mark: note the time, to look for changes of the machine's own root file
# system later (host_changes). The sandbox's own mounts are never descended into.
host_mark()
{
	: >"$STATE/host.mark"
	sleep 1
}

# host_changes: files on the machine's root file system (outside the sandbox's
# own mounts, /work, /root, /mnt, /proc, /sys) whose inode changed since
# host_mark: created, written, chowned or chmodded.
host_changes()
{
	find / -xdev \( -path /work -o -path /root -o -path /mnt -o -path /proc -o -path /sys \
		-o -path /lost+found \) -prune -o -cnewer "$STATE/host.mark" -print 2>/dev/null |
		grep -v '^/$' || true
}

SANDBOX_NS=$(ns_of 1)
SANDBOX_HOST=$(hostname)
