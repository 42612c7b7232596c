#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# nsisoctl list --prometheus (issue 15, metrics for fleets), against real sets
# made by real logins (the built module through the real libpam) in the
# sandbox. The exposition is read by a strict parser (tests/lib/promcheck.py)
# and, when python3-prometheus-client is installed, by Prometheus' own Python
# parser; every value is checked against the kernel: sets against the pins in
# the keeper's mount table, processes against /proc/*/ns/mnt, tmp bytes
# against df run inside the set. The decision counters
# (/run/nsiso/stats, lib/stats.h) must equal the decisions made here, counted
# by the test and by the decision lines in the log (debug: every close logs
# too), including decisions made from inside another set (where /run/nsiso
# is a placeholder) and a close without privileges; a decision before the
# registry exists creates nothing, not even to count. nsiso_policy_valid
# follows the default policy file. A broken counters file
# (empty, short, garbage, wrong magic or version, wrong mode, owner or link
# count, a symlink, a FIFO, a directory, a lock that is never let go) never
# fails or stalls a login, is never written to, and is replaced by nsisoctl
# with one clear line.
SANDBOX_EXTRA_OVERLAYS=dev # the /dev/log the logsink listens on
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib.sh"
setup
need_module
need_ctl
CTL_TMP=$STATE
STATS=/run/nsiso/stats
PC=$TOP/tests/lib/promcheck.py
have python3 || bail "python3 is needed to read the exposition (tests/lib/promcheck.py)"
have logger || bail "logger (bsdutils) is needed to sync with the log"

add_user nsiso-a
add_user nsiso-b
add_user nsiso-e
mkdir -m 0700 "$OUT/root"
uid_a=$(uid_of nsiso-a)
uid_b=$(uid_of nsiso-b)
start_logsink || bail "cannot start the /dev/log listener (cc tests/lib/logsink.c)"

POLICY='[global]
namespaces = mnt, ipc, uts
tmp_size = 64M
exempt_users = root, nsiso-e

[user:nsiso-a]
lifetime = boot

[user:nsiso-e]
from_set = stay'
echo "$POLICY" | write_policy
# debug: a close that keeps the set logs its decision too, so every counted decision has a line.
write_pam debug

# ---------------------------------------------------------------- helpers

ACTIONS="create join deny exempt host allow defer teardown keep"
for x in $ACTIONS; do
	eval "E_$x=0"
done
# count ACTION...: the test's own tally of the decisions it caused.
count()
{
	for x in "$@"; do
		eval "E_$x=\$((E_$x + 1))"
	done
}
expected()
{
	for x in $ACTIONS; do
		eval "printf '%s=%s ' $x \$E_$x"
	done
}

# prom TAG: nsisoctl list --prometheus into $STATE/TAG.prom; sets RC, CERR, PROM.
prom()
{
	PROM=$STATE/$1.prom
	RC=0
	"$CTL" list --prometheus >"$PROM" 2>"$STATE/$1.perr" </dev/null || RC=$?
	CERR=$(cat "$STATE/$1.perr")
}
# m NAME [LABEL=VALUE...]: the value of the one such sample of $PROM (NONE, MANY).
m()
{
	python3 "$PC" get "$PROM" "$@"
}
n_samples()
{
	python3 "$PC" count "$PROM" "$1"
}
# counters: the nine decision counters of $PROM, as "create=N join=N ...".
counters()
{
	for x in $ACTIONS; do
		printf '%s=%s ' "$x" "$(m nsiso_decisions_total action="$x")"
	done
}
# parses DESC: $PROM passes the strict reader, and Prometheus' own Python parser.
parses()
{
	local out rc
	rc=0
	out=$(python3 "$PC" check "$PROM" 2>&1) || rc=$?
	is "$rc:$out" "0:" "$1: the exposition passes the strict reader"
	rc=0
	out=$(/usr/bin/python3 "$PC" official "$PROM" 2>&1) || rc=$?
	if [ "$rc" = 77 ]; then
		skip "$1: prometheus_client parses it" "python3-prometheus-client is not installed"
	else
		is "$rc:$out" "0:$(grep -vc '^#' "$PROM")" \
			"$1: prometheus_client parses it, every sample"
	fi
}

LOG_BASE=0 # the log lines before this one are no longer counted (log_rebase)
# logged: the decision lines logged so far, by action, as "create=N join=N ...".
logged()
{
	sync_log
	for x in $ACTIONS; do
		printf '%s=%s ' "$x" "$(tail -n +$((LOG_BASE + 1)) "$SYSLOG" | grep 'pam_nsiso(' |
			grep -c " action=$x " || true)"
	done
}
# log_rebase: count the log's decision lines from here on (the counters started again).
log_rebase()
{
	sync_log
	LOG_BASE=$(wc -l <"$SYSLOG")
}
# check_counters DESC: the counters are what the test did and what the log says.
check_counters()
{
	is "$(counters)" "$(expected)" "$1: every decision counter is the number of decisions made"
	is "$(counters)" "$(logged)" "$1: every decision counter is the number of decision lines logged"
}

# procs_in MNT: processes whose mount namespace has inode MNT (the kernel's count).
procs_in()
{
	local n p
	n=0
	for p in /proc/[0-9]*; do
		[ "$(stat -L -c %i "$p/ns/mnt" 2>/dev/null)" = "$1" ] && n=$((n + 1))
	done
	echo "$n"
}
# keeper_uids: the uids with pins in the keeper's mount table, one a line.
keeper_uids()
{
	"$TOP/build/nsiso-keeper" pins 2>/dev/null | sed -n 's|^/\([0-9]*\)/[a-z]*$|\1|p' | sort -u
}
# df_in USER: "SIZE USED" of /tmp, in bytes, as df sees it inside USER's set.
df_in()
{
	"$CTL" enter "$1" -- df -B1 --output=size,used /tmp 2>/dev/null | awk 'NR == 2 { print $1, $2 }'
}
# pamh_in PID: an nsiso-pamh that starts in the mnt/ipc/uts namespaces of PID
# (`su` from that session's shell), where /run/nsiso is the set's placeholder.
pamh_in()
{
	cat >"$STATE/pamh-in" <<EOF
#!/bin/sh
exec nsenter --target $1 --mount --ipc --uts -- $PAMH "\$@"
EOF
	chmod 0755 "$STATE/pamh-in"
	echo "$STATE/pamh-in"
}
# timed_login TAG USER [pamh options]: report_login; MS gets its wall time in ms.
timed_login()
{
	local t0
	t0=$(date +%s%N)
	report_login "$@"
	MS=$((($(date +%s%N) - t0) / 1000000))
}

# ---------------------------------------------------------------- before any login

case_start "no login yet"
# The default policy, which nsiso_policy_valid reports on: none yet (in the
# sandbox's overlay of /etc: the machine's file, if any, is not touched).
DEFCONF=/etc/security/nsiso.conf
rm -f "$DEFCONF"
prom p0
is "$RC:$CERR" "0:" "no registry yet: exit 0, nothing on stderr"
parses "no registry yet"
is "$(m nsiso_sets) $(m nsiso_sets_invalid) $(n_samples nsiso_set_info)" "0 0 0" \
	"no registry yet: no set, no invalid set, no per-set series"
is "$(counters)" "$(expected)" "no registry yet: every decision counter is 0"
is "$(n_samples nsiso_counters_start_time_seconds)" 0 "no registry yet: no counters start time"
is "$(m nsiso_policy_valid file="$DEFCONF")" 0 "no $DEFCONF: nsiso_policy_valid 0 (every login would get on_error)"
mkdir -p /etc/security
echo "$POLICY" >"$DEFCONF"
chmod 0644 "$DEFCONF"
prom p0b
is "$(m nsiso_policy_valid file="$DEFCONF")" 1 "a valid $DEFCONF: nsiso_policy_valid 1"
printf '%s\ntmp = bogus\n' "$POLICY" >"$DEFCONF"
prom p0c
is "$(m nsiso_policy_valid file="$DEFCONF") $RC:$CERR" "0 0:" \
	"a broken $DEFCONF: nsiso_policy_valid 0, exit 0, nothing on stderr (nsisoctl check says why)"
echo "$POLICY" >"$DEFCONF"
ok_cmd "nsisoctl did not create the registry" test ! -e /run/nsiso
ctl list --json --prometheus
is "$RC $(printf '%s\n' "$CERR" | head -n 1)" "2 nsisoctl: list: --json and --prometheus exclude each other" \
	"list --json --prometheus: a usage error"

# ---------------------------------------------------------------- an exempt login first

case_start "an exempt login before any set: it changes nothing, not even to count"
report_login e1 nsiso-e
expect_rc e1 "$RC" 0 "nsiso-e (exempt) logs in"
ok_cmd "... and creates nothing: no /run/nsiso (so no counters file)" test ! -e /run/nsiso
prom p1
is "$RC:$CERR" "0:" "after an exempt login: exit 0"
parses "after an exempt login"
is "$(m nsiso_sets) $(n_samples nsiso_counters_start_time_seconds)" "0 0" \
	"after an exempt login: still no set, no counters start time"
is "$(counters)" "$(expected)" "after an exempt login: every decision counter is still 0"
log_rebase

# ---------------------------------------------------------------- sets, sessions, processes, tmp

case_start "two sets: one kept after logout (lifetime boot), one with a live session"
Ta0=$(date +%s)
report_login a1 nsiso-a
expect_rc a1 "$RC" 0 "nsiso-a logs in and out (creates its set)"
Ta1=$(date +%s)
count create keep
is "$(stat -c '%U %a %s %h %F' "$STATS" 2>&1)" "root 600 320 1 regular file" \
	"the first decision with a registry made $STATS: root 0600, 320 bytes, one link"
report_login a2 nsiso-a
expect_rc a2 "$RC" 0 "nsiso-a logs in and out again (joins)"
count join keep
ns_a=$(fact nsiso-a a2 ns)

# A session whose processes do not come and go: nsiso-pamh (in the set since
# open_session) and one sleep.
Tb0=$(date +%s)
rm -f "$OUT/nsiso-b/b1.pid" "$STATE/b1.rc"
(
	rc=0
	login b1 nsiso-b -- sh -c "echo \$\$ >$OUT/nsiso-b/b1.pid; exec sleep 600" || rc=$?
	echo "$rc" >"$STATE/b1.rc"
) &
wait_file "$OUT/nsiso-b/b1.pid" || bail "nsiso-b's session did not come up" "$(cat "$STATE/b1.err")"
bpid=$(cat "$OUT/nsiso-b/b1.pid")
timeout 10 sh -c 'until [ "$(readlink /proc/$1/exe)" = "$(command -v sleep)" ]; do sleep 0.05; done' _ "$bpid"
Tb1=$(date +%s)
count create
ns_b=$(ns_of "$bpid")
isnt "$(field 1 "$ns_b")" "$(field 1 "$SANDBOX_NS")" "nsiso-b's session runs in a set of its own (control)"
"$CTL" enter nsiso-a --as-user -- dd if=/dev/zero of=/tmp/big bs=1024 count=3072 2>/dev/null ||
	fail "nsiso-a writes 3 MiB into its /tmp"

prom p2
is "$RC:$CERR" "0:" "two sets: exit 0, nothing on stderr"
parses "two sets"
is "$(m nsiso_sets)" "$(keeper_uids | grep -c .)" "nsiso_sets is the number of uids with pins in the keeper"
is "$(m nsiso_sets) $(m nsiso_sets_invalid)" "2 0" "... which is 2; no invalid set"
is "$(python3 "$PC" labels "$PROM" nsiso_set_info uid | sort -n | paste -sd ' ' -)" \
	"$(keeper_uids | sort -n | paste -sd ' ' -)" "nsiso_set_info: one series per uid pinned in the keeper"
is "$(m nsiso_set_info uid="$uid_a" user=nsiso-a lifetime=boot namespaces=mnt,ipc,uts)" 1 \
	"nsiso_set_info: nsiso-a, lifetime boot, mnt,ipc,uts"
is "$(m nsiso_set_info uid="$uid_b" user=nsiso-b lifetime=processes namespaces=mnt,ipc,uts)" 1 \
	"nsiso_set_info: nsiso-b, lifetime processes, mnt,ipc,uts"
is "$(m nsiso_set_valid uid="$uid_a") $(m nsiso_set_valid uid="$uid_b")" "1 1" "nsiso_set_valid: both 1"
is "$(m nsiso_set_sessions uid="$uid_a") $(m nsiso_set_sessions uid="$uid_b")" "0 1" \
	"nsiso_set_sessions: nsiso-a none (logged out), nsiso-b one"
pb=$(procs_in "$(field 1 "$ns_b")")
is "$(m nsiso_set_processes uid="$uid_b")" "$pb" \
	"nsiso_set_processes of nsiso-b is the number of /proc/*/ns/mnt that are its set's ($pb)"
ok_cmd "... which counts nsiso-pamh and the sleep (at least 2)" test "$pb" -ge 2
is "$(m nsiso_set_processes uid="$uid_a")" "$(procs_in "$(field 1 "$ns_a")")" \
	"nsiso_set_processes of nsiso-a is the kernel's count too (0: logged out)"
df_a=$(df_in nsiso-a)
is "$(m nsiso_set_tmp_size_bytes uid="$uid_a") $(m nsiso_set_tmp_used_bytes uid="$uid_a")" "$df_a" \
	"nsiso-a's tmp size and used bytes are what df says inside the set ($df_a)"
is "$(field 1 "$df_a")" 67108864 "... a 64M tmpfs (tmp_size)"
ok_cmd "... with the 3 MiB written inside" test "$(field 2 "$df_a")" -ge 3145728
is "$(m nsiso_set_tmp_size_bytes uid="$uid_b") $(m nsiso_set_tmp_used_bytes uid="$uid_b")" \
	"$(df_in nsiso-b)" "nsiso-b's tmp size and used bytes are what df says inside its set"
ca=$(m nsiso_set_created_timestamp_seconds uid="$uid_a")
cb=$(m nsiso_set_created_timestamp_seconds uid="$uid_b")
ok_cmd "nsiso-a's set was created ($ca) during its first login ($Ta0 .. $Ta1)" \
	sh -c '[ "$1" -ge "$2" ] && [ "$1" -le "$3" ]' _ "$ca" "$Ta0" "$Ta1"
ok_cmd "nsiso-b's set was created ($cb) during its login ($Tb0 .. $Tb1)" \
	sh -c '[ "$1" -ge "$2" ] && [ "$1" -le "$3" ]' _ "$cb" "$Tb0" "$Tb1"
check_counters "two sets"
start=$(m nsiso_counters_start_time_seconds)
ok_cmd "the counters start time ($start) is the first counted decision's ($Ta0 .. $Ta1)" \
	sh -c '[ "$1" -ge "$2" ] && [ "$1" -le "$3" ]' _ "$start" "$Ta0" "$Ta1"

# ---------------------------------------------------------------- from inside a set

case_start "decisions made from inside nsiso-b's set (/run/nsiso there is a placeholder)"
saved_pamh=$PAMH
PAMH=$(pamh_in "$bpid")
report_login j1 nsiso-a
expect_rc j1 "$RC" 0 "nsiso-a logs in from inside nsiso-b's set"
is "$(fact nsiso-a j1 ns)" "$ns_a" "... and lands in its own set: a join"
count join keep
report_login h1 root
expect_rc h1 "$RC" 0 "root logs in from inside nsiso-b's set (exempt, from_set = host)"
is "$(fact root h1 ns)" "$SANDBOX_NS" "... and is moved to the host"
count host
report_login s1 nsiso-e
expect_rc s1 "$RC" 0 "nsiso-e logs in from inside nsiso-b's set (exempt, from_set = stay)"
is "$(fact nsiso-e s1 ns)" "$ns_b" "... and stays there: the decision is made inside the set"
count exempt
PAMH=$saved_pamh
prom p3
check_counters "from inside a set"

# ---------------------------------------------------------------- a broken policy

case_start "a broken policy: denials, root exempt, on_error = allow"
printf '%s\ntmp = bogus\n' "$POLICY" | write_policy
report_login d1 nsiso-a
expect_rc d1 "$RC" 3 "nsiso-a is denied under a broken policy"
count deny
PAMH=$(pamh_in "$bpid")
report_login d2 nsiso-a
expect_rc d2 "$RC" 3 "nsiso-a is denied under a broken policy, from inside nsiso-b's set"
count deny
PAMH=$saved_pamh
report_login r1 root
expect_rc r1 "$RC" 0 "root still logs in (exempt despite the broken policy)"
count exempt
printf '[global]\non_error = allow\ntmp = bogus\nexempt_users = root, nsiso-e\n' | write_policy
report_login w1 nsiso-a
expect_rc w1 "$RC" 0 "on_error = allow: nsiso-a logs in without isolation"
count allow
echo "$POLICY" | write_policy
prom p4
check_counters "a broken policy"

# ---------------------------------------------------------------- defer, teardown

case_start "a close without privileges, the close that ends a set"
report_login c1 nsiso-a --close-as-user
expect_rc c1 "$RC" 0 "nsiso-a logs in, the close runs as nsiso-a (as (sd-pam) does)"
count join defer
kill "$bpid"
wait_file "$STATE/b1.rc" || bail "nsiso-b's session did not end"
is "$(cat "$STATE/b1.rc")" 143 "nsiso-b's last session ends (its sleep killed: 128 + SIGTERM) and closes"
count teardown
prom p5
parses "after a tear-down"
is "$(keeper_uids | paste -sd ' ' -) $(m nsiso_sets)" "$uid_a 1" "the keeper pins one uid's set; nsiso_sets is 1"
is "$(m nsiso_set_info uid="$uid_b")" NONE "nsiso-b's set is gone from the exposition"
check_counters "defer and teardown"

# ---------------------------------------------------------------- an invalid set

case_start "a set whose pin no longer checks out"
"$TOP/build/nsiso-keeper" umount "/$uid_a/uts" || fail "cannot unmount nsiso-a's uts pin (in the keeper)"
prom p6
parses "an invalid set"
is "$(m nsiso_sets) $(m nsiso_sets_invalid) $(m nsiso_set_valid uid="$uid_a")" "0 1 0" \
	"nsiso_sets 0, nsiso_sets_invalid 1, nsiso_set_valid 0"
is "$(m nsiso_set_tmp_used_bytes uid="$uid_a")" NONE "an invalid set is not entered: no tmp bytes"
report_login a3 nsiso-a
expect_rc a3 "$RC" 0 "nsiso-a's next login rebuilds it"
count create keep
prom p7
is "$(m nsiso_sets) $(m nsiso_sets_invalid)" "1 0" "rebuilt: one live set again"
check_counters "a rebuilt set"

# ---------------------------------------------------------------- odd user names

case_start "a user name with a quote, a backslash, a control byte, UTF-8 and a stray byte"
odd=$(printf 'nsiso-"\\\001\303\251\377')
cp /etc/passwd "$STATE/passwd.orig"
entry=$(grep '^nsiso-a:' /etc/passwd)
{
	grep -v '^nsiso-a:' /etc/passwd
	printf '%s%s\n' "$odd" "${entry#nsiso-a}"
} >"$STATE/passwd"
cat "$STATE/passwd" >/etc/passwd
prom p8
parses "an odd user name"
want=$(printf 'nsiso_set_sessions{user="nsiso-\\"\\\\\001\303\251\357\277\275",uid="%s"} 0' "$uid_a")
is "$(grep '^nsiso_set_sessions{' "$PROM")" "$want" \
	'the label value escapes " and \ as \" and \\, keeps UTF-8, and turns the stray byte into U+FFFD'
cat "$STATE/passwd.orig" >/etc/passwd

# ---------------------------------------------------------------- a broken counters file

# Each case: a login works (and soon), the file is not written to, nsisoctl
# says what was wrong and replaces it, and counting goes on in the new file.
for x in $ACTIONS; do
	eval "E_$x=0"
done
# valid_file FILE [MAGIC [VERSION]]: a counters file of the right layout.
valid_file()
{
	python3 - "$@" <<'EOF'
import struct, sys
magic = (sys.argv[2] if len(sys.argv) > 2 else "NSISOSTA").encode()
version = int(sys.argv[3]) if len(sys.argv) > 3 else 1
data = struct.pack("=8sIIIIq32s", magic, version, 64, 32, 0, 1000, bytes(32)) + struct.pack("=32Q", *range(32))
open(sys.argv[1], "wb").write(data)
EOF
}
DECOY=$STATE/decoy
# broken CASE: make $STATS that way.
broken()
{
	rm -rf "$STATS" /run/nsiso/stats.extra
	case $1 in
	empty) : >"$STATS" ;;
	short) head -c 100 /dev/zero >"$STATS" ;;
	garbage) head -c 320 /dev/urandom >"$STATS" ;;
	magic) valid_file "$STATS" XSISOSTA ;;
	version) valid_file "$STATS" NSISOSTA 2 ;;
	mode) valid_file "$STATS" && chmod 0644 "$STATS" ;;
	owner) valid_file "$STATS" && chown nsiso-a "$STATS" ;;
	links) valid_file "$STATS" && ln "$STATS" /run/nsiso/stats.extra ;;
	symlink) valid_file "$DECOY" && ln -s "$DECOY" "$STATS" ;;
	fifo) mkfifo -m 0600 "$STATS" ;;
	esac
	[ "$1" = symlink ] || [ "$1" = fifo ] || chmod go-rwx "$STATS"
	[ "$1" != mode ] || chmod 0644 "$STATS"
}
reason_of()
{
	case $1 in
	empty) echo "is empty" ;;
	short) echo "is 100 bytes long, not 320" ;;
	garbage | magic) echo "does not start with NSISOSTA (not a counters file)" ;;
	version) echo "has version 2, this build knows 1" ;;
	mode) echo "has mode 0644, not 0600" ;;
	owner) echo "is owned by uid $uid_a, not root" ;;
	links) echo "has 2 links, not 1" ;;
	symlink) echo "is a symlink" ;;
	fifo) echo "is not a regular file" ;;
	esac
}
for c in empty short garbage magic version mode owner links symlink fifo; do
	case_start "counters file: $c"
	broken "$c"
	snap() { if [ -L "$STATS" ]; then cat "$DECOY"; elif [ -f "$STATS" ]; then cat "$STATS"; fi | od -An -tx1 | md5sum; }
	before=$(snap)
	timed_login "k1-$c" nsiso-a
	expect_rc "k1-$c" "$RC" 0 "$c: nsiso-a logs in all the same"
	ok_cmd "$c: ... in ${MS} ms (under 2 s: nothing waits on the file)" test "$MS" -lt 2000
	is "$(snap)" "$before" "$c: the module did not write into it (nor through it)"
	T1=$(date +%s)
	prom "k-$c"
	is "$RC:$CERR" "0:nsisoctl: $STATS $(reason_of "$c"): replaced by a new file, the decision counters start again from 0" \
		"$c: nsisoctl says what is wrong, replaces it, exit 0"
	parses "$c"
	is "$(counters)" "$(expected)" "$c: the new counters are all 0"
	ok_cmd "$c: ... since now" test "$(m nsiso_counters_start_time_seconds)" -ge "$T1"
	is "$(stat -c '%U %a %s %h %F' "$STATS" 2>&1)" "root 600 320 1 regular file" "$c: the new file is sound"
	[ "$c" != symlink ] || is "$(stat -c %F "$DECOY")" "regular file" "symlink: its target is left alone"
	log_rebase
	report_login "k2-$c" nsiso-a
	count join keep
	prom "k2-$c"
	check_counters "$c: counting goes on in the new file"
	for x in $ACTIONS; do
		eval "E_$x=0"
	done
done
rm -f /run/nsiso/stats.extra

case_start "counters file: a directory in its place"
rm -f "$STATS"
mkdir -m 0700 "$STATS"
timed_login k3 nsiso-a
expect_rc k3 "$RC" 0 "a directory: nsiso-a logs in all the same (${MS} ms)"
prom k-dir
is "$RC" 1 "a directory: nsisoctl fails (exit 1)"
is "$CERR" "nsisoctl: $STATS is not a regular file, and cannot be replaced: cannot replace $STATS: Is a directory; the decision counters are not reported" \
	"a directory: ... with one line saying why"
parses "a directory"
is "$(m nsiso_sets) $(n_samples nsiso_decisions_total)" "1 0" "a directory: the sets are reported, the counters are not"
rmdir "$STATS"

case_start "counters file: a lock that is never let go"
report_login k4 nsiso-a # makes a new file
python3 -c '
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.lockf(fd, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
time.sleep(120)
' "$STATS" "$STATE/locked" &
holder=$!
wait_file "$STATE/locked" 10 || fail "the lock holder did not start"
prom l0
j0=$(m nsiso_decisions_total action=join)
timed_login k5 nsiso-a
expect_rc k5 "$RC" 0 "a held lock: nsiso-a logs in all the same"
ok_cmd "... in ${MS} ms (the lock is tried for milliseconds, never waited for)" test "$MS" -lt 2000
prom l1
is "$(m nsiso_decisions_total action=join)" "$j0" "... and that decision goes uncounted"
kill "$holder"
wait "$holder" 2>/dev/null
report_login k6 nsiso-a
prom l2
case $j0 in
'' | *[!0-9]*) j1=NONE ;;
*) j1=$((j0 + 1)) ;;
esac
is "$(m nsiso_decisions_total action=join)" "$j1" "the lock let go: the next join counts"

# ---------------------------------------------------------------- the example timer

case_start "the textfile collector example (config/metrics), its command as the service runs it"
svc=$TOP/config/metrics/nsiso-metrics.service
if have systemd-analyze; then
	ok_cmd "systemd-analyze verify: the example service and timer are valid units" \
		systemd-analyze verify --man=no "$svc" "$TOP/config/metrics/nsiso-metrics.timer"
else
	skip "systemd-analyze verify: the example units" "systemd-analyze is not installed"
fi
cmd=$(sed -n "s/^ExecStart=\/bin\/sh -c '\(.*\)'\$/\1/p" "$svc")
like "$cmd" '^/usr/sbin/nsisoctl list --prometheus >' "ExecStart runs nsisoctl list --prometheus into a file"
TD=/var/lib/prometheus/node-exporter
mkdir -p "$TD"
run_example()
{
	RC=0
	(
		umask 0022
		sh -c "$(printf '%s' "$cmd" | sed "s|/usr/sbin/nsisoctl|$CTL|")"
	) >/dev/null 2>"$STATE/example.err" || RC=$?
}
run_example
is "$RC" 0 "the example's command succeeds"
is "$(ls "$TD" | paste -sd ' ' -) $(stat -c '%U %a' "$TD/nsiso.prom")" "nsiso.prom root 644" \
	"it leaves $TD/nsiso.prom (root 0644, for node_exporter's user) and nothing else"
PROM=$TD/nsiso.prom
parses "the example's textfile"
is "$(m nsiso_sets)" "$(keeper_uids | grep -c .)" "the example's textfile: nsiso_sets as the keeper says"
cp "$PROM" "$STATE/last-good.prom"
rm -f "$STATS"
mkdir -m 0700 "$STATS"
run_example
is "$RC" 1 "nsisoctl failing (a directory in the counters file's place): the command fails"
ok_cmd "... and the last good textfile stays in place, whole" cmp "$STATE/last-good.prom" "$TD/nsiso.prom"
like "$(ls "$TD" | paste -sd ' ' -)" '^nsiso\.prom( nsiso\.prom\.tmp)?$' \
	"... next to at most its temporary file, which the collector ignores (not *.prom)"
rmdir "$STATS"

done_testing
