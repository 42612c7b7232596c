# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh disable=SC3043,SC2034,SC2016
# (local: dash, bash and busybox sh have it; SC2034: RC and SANDBOX_* are for
# the t_*.sh files; SC2016: sh -c '...' scripts get their values as arguments)
#
# Logins through the real libpam (build/nsiso-pamh) with a test PAM stack, in
# the sandbox: the helpers tests/integration/lib.sh and tests/adversarial/lib.sh
# share (and tests/ctl, through tests/integration/lib.sh); what every suite
# shares is tests/lib/common.sh, sourced here. Sourced after tests/lib/tap.sh,
# with these set by the suite's lib.sh:
#
#   TOP                   the source tree (start_logsink runs build/tests/helpers/logsink)
#   PAMH MODULE           the harness and the module under test
#   PAMH_NAME             the suite's name for the PAM service, its config dir
#                         and its work dir (the layout below)
#   LOGIN_TIMEOUT WAIT_TIMEOUT
#                         bounds, in seconds
#   write_report_script() writes $BIN/report, the facts a session reports
#
# The tests check kernel facts only: namespace inodes (/proc/PID/ns), mount
# tables (findmnt, /proc/PID/mountinfo), hostname, files. A session's facts
# are written by $BIN/report (run as the user inside the session) into
# $OUT/<user>/<tag>/ and read back here as root (fact).

SERVICE=$PAMH_NAME
CONFDIR=/etc/$PAMH_NAME # root 0755, in the sandbox's overlay of /etc (not under /tmp)
CONF=$CONFDIR/nsiso.conf
PAMDIR=$CONFDIR/pam.d
W=/run/$PAMH_NAME # root 0755 work dir, visible inside the sets (same /run tmpfs)
BIN=$W/bin        # helper scripts run inside sessions
FLAGS=$W/flags    # root 0755: only root (the test) can create a flag
OUT=$W/out        # $OUT/<user>: owned by the user, 0700
STATE=$W/state    # root 0700: pids, exit codes, stderr of logins
USERADD_OPTS="-M -l" # test users: no home, no lastlog or faillog entry

# ns_of, field, add_user, uid_of, write_policy, session_pid, pins_of, ...
# shellcheck source=tests/lib/common.sh
. "$TOP/tests/lib/common.sh"

# ---------------------------------------------------------------- setup

# Checks every test file needs; creates the work dirs and helper scripts.
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

# Needs the built module (every test except the harness self-test).
need_module()
{
	case $MODULE in
	*/*) [ -f "$MODULE" ] || bail "$MODULE is missing: run make" ;;
	esac
}

# ---------------------------------------------------------------- PAM and policy

# write_pam [MODULE ARGS...]: pam_permit (so the stack never consists of
# PAM_IGNOREs only) then the module with config=$CONF and the given args.
write_pam()
{
	write_pam_module "$MODULE" "$@"
}

# write_pam_module MODULE [ARGS...]: the same with another module.
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

# write_pam_lines LINE...: an arbitrary stack (harness self-test).
write_pam_lines()
{
	printf '%s\n' "$@" >"$PAMDIR/$SERVICE.tmp"
	chmod 0644 "$PAMDIR/$SERVICE.tmp"
	mv "$PAMDIR/$SERVICE.tmp" "$PAMDIR/$SERVICE"
}

# ---------------------------------------------------------------- logins

# login TAG USER [nsiso-pamh options] -- CMD [ARGS...]
# Runs the real libpam through nsiso-pamh; stderr goes to $STATE/TAG.err.
# Returns nsiso-pamh's exit status (124/137 when it had to be timed out).
login()
{
	local tag user
	tag=$1
	user=$2
	shift 2
	timeout -k 5 "$LOGIN_TIMEOUT" "$PAMH" --confdir "$PAMDIR" --service "$SERVICE" \
		--user "$user" "$@" </dev/null 2>"$STATE/$tag.err"
}

# report_login TAG USER [pamh options]: log in, run $BIN/report into $OUT/USER/TAG.
# Sets RC to nsiso-pamh's exit status.
report_login()
{
	local tag user
	tag=$1
	user=$2
	shift 2
	RC=0
	login "$tag" "$user" "$@" -- "$BIN/report" "$OUT/$user/$tag" || RC=$?
}

# fact USER TAG NAME: one fact file written by $BIN/report (or MISSING).
fact()
{
	cat "$OUT/$1/$2/$3" 2>/dev/null || echo MISSING
}

# mnt_of USER TAG: the mount namespace a report_login or bg_session saw.
mnt_of()
{
	field 1 "$(fact "$1" "$2" ns)"
}

# expect_rc TAG RC WANT DESC: assert an exit status, with the login's stderr on failure.
expect_rc()
{
	if [ "$2" = "$3" ]; then
		pass "$4"
	else
		fail "$4" "nsiso-pamh exit status: $2, want $3"
		diag_file "$STATE/$1.err"
	fi
}

# bg_session TAG USER SNIPPET [pamh options]: a session in the background that
# runs SNIPPET (sh, as the user), reports into $OUT/USER/TAG, then waits (at
# most $WAIT_TIMEOUT s) for the flag $FLAGS/TAG that only root can create.
# Its shell's pid (alive until released) is in $OUT/USER/TAG.pid (session_pid).
# Use wait_ready, release, finish.
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

# wait_file FILE [SECONDS]
wait_file()
{
	timeout "${2:-$WAIT_TIMEOUT}" sh -c 'until [ -e "$1" ]; do sleep 0.05; done' _ "$1"
}

# wait_ready TAG USER: 0 once the session reported, 1 if it ended or timed out first.
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

# finish TAG: release the session, wait for it to close; sets RC to its exit status.
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

# ---------------------------------------------------------------- syslog

SYSLOG=$STATE/syslog # what the module logs (start_logsink)
MARKS=0              # the markers sync_log sent

# start_logsink: tests/lib/logsink.c (built by make) listens on the sandbox's
# /dev/log; every syslog line of the module ends up in $SYSLOG, one line per
# message ("LOG <pri>..." or "RAW ..." for one with raw bytes). Needs /dev in
# the sandbox's overlays (NSISO_SANDBOX_OVERLAYS): the machine's /dev is never
# written to.
start_logsink()
{
	[ "$(findmnt -no FSTYPE --mountpoint /dev | tail -n 1)" = overlay ] || return 1
	[ -x "$TOP/build/tests/helpers/logsink" ] || return 1
	: >"$SYSLOG"
	"$TOP/build/tests/helpers/logsink" /dev/log "$SYSLOG" &
	echo $! >"$STATE/logsink.pid"
	timeout 10 sh -c 'until [ -S /dev/log ]; do sleep 0.05; done'
}

# sync_log: a marker through /dev/log, waited for (at most 10 s, else a
# bail). Datagrams are queued in order, so once it is in $SYSLOG every line
# logged before it is too.
sync_log()
{
	MARKS=$((MARKS + 1))
	logger -d -u /dev/log -t nsiso-t-mark "mark $MARKS" &&
		timeout 10 sh -c 'until grep -q "nsiso-t-mark.* mark $2\$" "$1"; do sleep 0.05; done' \
			_ "$SYSLOG" "$MARKS" || bail "the marker did not come through /dev/log"
}

# ---------------------------------------------------------------- kernel facts

# keeper_root: a path to the keeper's tree for any host process to read
# (stat -L, nsenter): /proc/PID/root of a process that sits in the keeper
# (nsiso-keeper hold). Started once per test file; it ends with the sandbox.
KEEPER_HOLDER=
keeper_root()
{
	if [ -z "$KEEPER_HOLDER" ] || [ ! -e "/proc/$KEEPER_HOLDER" ]; then
		# Not on the file's stdout: the runner reads that pipe to its end.
		sleep 3600 </dev/null 2>/dev/null | "$TOP/build/nsiso-keeper" hold >/dev/null 2>&1 &
		KEEPER_HOLDER=$!
		timeout 5 sh -c 'until [ "$(readlink /proc/$1/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ]; do sleep 0.02; done' _ "$KEEPER_HOLDER"
	fi
	echo "/proc/$KEEPER_HOLDER/root"
}

# mountinfo_refs "INODES" (ns_of's output): every mount table line on the
# machine (every /proc/PID/mountinfo here) that is an nsfs mount of one of
# these namespaces.
mountinfo_refs()
{
	grep -H -E "$(nsfs_re "$1")" /proc/[0-9]*/mountinfo 2>/dev/null || true
}

# hold_ns TAG PID: keep the namespaces of PID alive (a root process in the
# sandbox holding fds on them, not a member of them; opened through
# /proc/PID/ns, not through the pins, so no pin mount is kept busy), so that the kernel cannot
# reuse their inode numbers: a later "same inode" then really is the same set,
# and a "new inode" really is a new one. Inode numbers are otherwise recycled
# as soon as a namespace is freed (measured here: immediately). Its pid is
# also listed in $STATE/allowed.pids (see foreign_procs in tests/adversarial).
hold_ns()
{
	local ns fd redir
	# One fd per kind of $NSISO_TEST_NS, from 3 on (sh takes fds 0-9 only).
	fd=2
	redir=
	for ns in $NSISO_TEST_NS; do
		fd=$((fd + 1))
		redir="$redir $fd<\"/proc/\$2/ns/$ns\""
	done
	eval "sh -c 'exec sleep 3600' $redir </dev/null >/dev/null 2>&1 &"
	echo $! >"$STATE/hold-$1.pid"
	echo $! >>"$STATE/allowed.pids"
}

# unhold_ns TAG: let go of them.
unhold_ns()
{
	local p
	p=$(cat "$STATE/hold-$1.pid" 2>/dev/null) || return 0
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null || true
}

# wait_gone PID: until the process is reaped (at most $WAIT_TIMEOUT s).
wait_gone()
{
	timeout "$WAIT_TIMEOUT" sh -c 'while [ -e "/proc/$1" ]; do sleep 0.05; done' _ "$1"
}

# The sandbox's own namespaces and host name (PID 1 is the sandbox's shell).
SANDBOX_NS=$(ns_of 1)
SANDBOX_HOST=$(hostname)
