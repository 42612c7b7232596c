#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Logging (issue 3): one syslog line per open_session decision, with service,
# user, uid, action (create | join | exempt | deny | host | allow) and the
# inodes of the namespaces the session ended in; debug adds LOG_DEBUG step
# lines before it, and without debug there are none. The lines are read from
# the sandbox's own /dev/log (tests/lib/logsink.c); every inode in them is
# checked against the kernel's: the session's /proc/self/ns (the report) and
# the PAM caller's (nsiso-pamh --ns-report).
#
# The way back to the host (issue 3): a login from inside a set goes back
# through PID 1's namespaces. Here PID 1 is made unreachable for real: the
# logins run in a child user namespace (full uid/gid maps, all capabilities
# in it) whose PID 1 (the sandbox's init) belongs to the initial user
# namespace, so the kernel's ptrace access check refuses the pidfd ioctls and
# /proc/1/ns alike. Such a login logs one line saying so, is never
# half-switched, and gets on_error; root is never locked out.
SANDBOX_EXTRA_OVERLAYS=dev # the /dev/log the logsink listens on
. "$(dirname "$0")/lib.sh"
setup
need_module
command -v logger >/dev/null 2>&1 || bail "logger (bsdutils) is needed to sync with the log"

add_user nsiso-a
add_user nsiso-b
add_user nsiso-x
mkdir -m 0700 "$OUT/root"
uid_a=$(uid_of nsiso-a)
uid_b=$(uid_of nsiso-b)
uid_x=$(uid_of nsiso-x)
start_logsink || bail "cannot start the /dev/log listener (build/tests/helpers/logsink)"

POLICY='[global]
namespaces = mnt, ipc, uts
exempt_users = root, nsiso-x'
echo "$POLICY" | write_policy
write_pam

# ---------------------------------------------------------------- helpers

# log_start: sync; print how many lines $SYSLOG has (for log_cut).
log_start()
{
	sync_log
	wc -l <"$SYSLOG"
}

# log_cut TAG N: sync; the module's lines after line N into $STATE/TAG.log.
log_cut()
{
	sync_log
	tail -n +$(($2 + 1)) "$SYSLOG" | grep 'pam_nsiso(' >"$STATE/$1.log" || true
}

# logged_login TAG USER [pamh options]: report_login, its log lines in $STATE/TAG.log.
logged_login()
{
	local n0
	n0=$(log_start)
	report_login "$@"
	log_cut "$1" "$n0"
}

# decisions TAG: the decision lines of open_session in $STATE/TAG.log.
decisions()
{
	grep -E ' action=(create|join|exempt|deny|host|allow) ' "$STATE/$1.log" || true
}

# inodes_of LINE: "MNT IPC UTS" from a log line.
inodes_of()
{
	printf '%s\n' "$1" | sed -n 's/.* mnt=\([0-9]*\) ipc=\([0-9]*\) uts=\([0-9]*\)\( .*\)*$/\1 \2 \3/p'
}

# caller_ns TAG: "MNT IPC UTS" of the PAM caller right after pam_open_session (--ns-report).
caller_ns()
{
	sed -n 's/^open [0-9]* //p' "$STATE/$1.ns" 2>/dev/null
}

PRI_INFO='<86>' # authpriv.info
PRI_ERR='<83>'  # authpriv.err
PRI_DEBUG='<87>'

# expect_decision TAG USER UID ACTION PRI DESC: exactly one decision line, with
# that action and priority, the service, the user and the uid.
# Sets LINE to it.
expect_decision()
{
	local n
	LINE=$(decisions "$1")
	n=$(printf '%s' "$LINE" | grep -c . || true)
	if [ "$n" = 1 ]; then
		pass "$6: exactly one decision line"
	else
		fail "$6: exactly one decision line (got $n)"
		diag_file "$STATE/$1.log"
	fi
	LINE=$(printf '%s\n' "$LINE" | head -n 1)
	like "$LINE" "^LOG $5.* action=$4 service=$SERVICE user=$2 uid=$3( |\$)" \
		"$6: action=$4 at $5, with service=$SERVICE user=$2 uid=$3"
}

# no_stderr TAG DESC: the module wrote nothing to the caller's stderr (the
# harness's own "pamh: " lines about a failed open_session aside).
no_stderr()
{
	empty "$(grep -v '^pamh: ' "$STATE/$1.err" 2>/dev/null || true)" "$2: nothing on the caller's stderr"
}

# ---------------------------------------------------------------- create, join, exempt

case_start "first login: action=create, with the set's inodes"
n0=$(log_start)
bg_session a1 nsiso-a ""
wait_ready a1 nsiso-a || {
	finish a1
	bail "nsiso-a's first session did not come up" "$(cat "$STATE/a1.err")"
}
log_cut a1 "$n0"
a1=$(fact nsiso-a a1 ns)
isnt "$(field 1 "$a1")" "$(field 1 "$SANDBOX_NS")" "nsiso-a is in a set of its own (control)"
expect_decision a1 nsiso-a "$uid_a" create "$PRI_INFO" "first login of nsiso-a"
is "$(inodes_of "$LINE")" "$a1" "first login: the logged mnt/ipc/uts inodes are the session's /proc/self/ns inodes"
is "$(grep -c 'pam_nsiso(' "$STATE/a1.log")" 1 "first login: no other line of the module"
no_stderr a1 "first login"

case_start "second login: action=join, the same inodes"
logged_login a2 nsiso-a --ns-report "$STATE/a2.ns"
expect_rc a2 "$RC" 0 "second login of nsiso-a opens"
expect_decision a2 nsiso-a "$uid_a" join "$PRI_INFO" "second login of nsiso-a"
is "$(inodes_of "$LINE")" "$a1" "second login: the logged inodes are the first session's"
is "$(inodes_of "$LINE")" "$(fact nsiso-a a2 ns)" "second login: ... and this session's /proc/self/ns"
is "$(inodes_of "$LINE")" "$(caller_ns a2)" "second login: ... and the PAM caller's after open_session"
# open and close together: the close of a session that keeps the set logs nothing without debug
is "$(grep -c 'pam_nsiso(' "$STATE/a2.log")" 1 "second login, open and close: one line of the module in all"
no_stderr a2 "second login"

case_start "an exempt user: action=exempt, in the sandbox's namespaces"
logged_login r1 root --ns-report "$STATE/r1.ns"
expect_rc r1 "$RC" 0 "root's session opens"
expect_decision r1 root 0 exempt "$PRI_INFO" "root (exempt_users)"
like "$LINE" '\(exempt_users\)$' "root: the line says why (exempt_users)"
is "$(inodes_of "$LINE")" "$SANDBOX_NS" "root: the logged inodes are the sandbox's"
is "$(fact root r1 ns)" "$SANDBOX_NS" "root: its session runs in the sandbox's namespaces (kernel)"
no_stderr r1 "root"

case_start "a broken policy: action=deny, naming file, section and key"
printf '%s\nno_such_key = 1\n' "$POLICY" | write_policy
logged_login b0 nsiso-b --ns-report "$STATE/b0.ns"
expect_rc b0 "$RC" 3 "broken policy: nsiso-b's open_session fails"
expect_decision b0 nsiso-b "$uid_b" deny "$PRI_ERR" "broken policy, nsiso-b"
like "$LINE" "$CONF.*global.*no_such_key.*; action=deny" "broken policy: the line names the file, the section and the key"
is "$(caller_ns b0)" "$SANDBOX_NS" "broken policy: the caller is left in the sandbox's namespaces"
no_stderr b0 "broken policy"
echo "$POLICY" | write_policy

case_start "no debug: no LOG_DEBUG line at all"
sync_log
is "$(grep -c "^LOG $PRI_DEBUG" "$SYSLOG")" 0 "without debug the module wrote no LOG_DEBUG line"

# ---------------------------------------------------------------- debug

case_start "debug: the steps, then the one decision line"
write_pam debug
logged_login b1 nsiso-b
expect_rc b1 "$RC" 0 "debug: nsiso-b's first session opens"
expect_decision b1 nsiso-b "$uid_b" create "$PRI_INFO" "debug, nsiso-b's first login"
is "$(inodes_of "$LINE")" "$(fact nsiso-b b1 ns)" "debug: the logged inodes are nsiso-b's session's"
steps=$(grep "^LOG $PRI_DEBUG.*pam_nsiso(.*): step: " "$STATE/b1.log" | sed 's/.*): step: //')
for s in 'policy .* loaded' 'registry /run/nsiso reached' 'no set recorded' 'settings: namespaces=mnt,ipc,uts' \
	'set created and pinned: mnt=[0-9]+ ipc=[0-9]+ uts=[0-9]+, [0-9]+ attempt' 'session recorded' 'joined the set'; do
	like "$steps" "^$s" "debug, creation: a LOG_DEBUG step line '$s'"
done
is "$(awk '/ action=create /{ d = NR } /step: /{ s = NR } END { print (s > 0 && s < d) }' "$STATE/b1.log")" 1 \
	"debug: the step lines come before the decision line"
is "$(grep -c "pam_nsiso(.*action=" "$STATE/b1.log")" 2 "debug: besides the decision only the close's action=keep/teardown line has an action"

logged_login a3 nsiso-a
expect_rc a3 "$RC" 0 "debug: nsiso-a's third session opens"
expect_decision a3 nsiso-a "$uid_a" join "$PRI_INFO" "debug, nsiso-a's join"
steps=$(grep "^LOG $PRI_DEBUG.*pam_nsiso(.*): step: " "$STATE/a3.log" | sed 's/.*): step: //')
like "$steps" "^set found, every pin checks out: mnt=$(field 1 "$a1") ipc=$(field 2 "$a1") uts=$(field 3 "$a1")\$" \
	"debug, join: a step line says the set was found, with its inodes"
like "$steps" "^joined the set" "debug, join: a step line says the caller joined"
empty "$(grep -v "^LOG $PRI_DEBUG" "$STATE/a3.log" | grep -v ' action=\(join\|keep\) ' || true)" \
	"debug, join: every other line is LOG_DEBUG"
like "$(grep ' action=keep ' "$STATE/a3.log")" "action=keep service=$SERVICE user=nsiso-a uid=$uid_a mnt=" \
	"debug: the close that keeps the set logs action=keep, with the uid and the inodes"
no_stderr a3 "debug"
write_pam

# ---------------------------------------------------------------- from inside a set

# pamh_in PID: an nsiso-pamh that starts in the mnt/ipc/uts namespaces of PID
# (as `su` run from that session's shell would), with nsenter's extra args.
pamh_in()
{
	cat >"$STATE/pamh-in-$1" <<EOF
#!/bin/sh
exec nsenter --target $1 $2 --mount --ipc --uts -- $PAMH "\$@"
EOF
	chmod 0755 "$STATE/pamh-in-$1"
	echo "$STATE/pamh-in-$1"
}

case_start "an exempt user from inside a set, from_set = host: action=host"
saved_pamh=$PAMH
PAMH=$(pamh_in "$(session_pid nsiso-a a1)" "")
logged_login h1 root --ns-report "$STATE/h1.ns"
PAMH=$saved_pamh
expect_rc h1 "$RC" 0 "root from inside nsiso-a's set: session opens"
expect_decision h1 root 0 host "$PRI_INFO" "root from inside nsiso-a's set"
is "$(inodes_of "$LINE")" "$SANDBOX_NS" "from a set: the logged inodes are the sandbox's (the host)"
is "$(caller_ns h1)" "$SANDBOX_NS" "from a set: the PAM caller is in the sandbox's namespaces after open_session"
is "$(fact root h1 ns)" "$SANDBOX_NS" "from a set: root's session runs in the sandbox's namespaces"
no_stderr h1 "root from a set"

# ---------------------------------------------------------------- PID 1 unreachable

case_start "PID 1 unreachable: a child user namespace with full maps"
# $PID1NS (tests/lib/pid1ns.c): exit 0 when this process can open PID 1's mount
# namespace either way the module tries (pidfd + PIDFD_GET_MNT_NAMESPACE, /proc/1/ns/mnt).
PID1NS=$TOP/build/tests/helpers/pid1ns
[ -x "$PID1NS" ] || bail "$PID1NS is missing: run make helpers"
# The user namespace, held by a sleep with its own mount namespace, and in
# that mount namespace a registry of its own (a fresh tmpfs on /run/nsiso):
# the sets made here never meet the sandbox's registry.
unshare --user --mount --propagation private sleep 3600 </dev/null >/dev/null 2>&1 &
holder=$!
me=$(readlink /proc/self/ns/user)
timeout 10 sh -c 'until [ "$(readlink /proc/$1/ns/user)" != "$2" ]; do sleep 0.02; done' _ "$holder" "$me" &&
	echo '0 0 65536' >"/proc/$holder/uid_map" && echo '0 0 65536' >"/proc/$holder/gid_map" &&
	nsenter --target "$holder" --user --mount -- mount -t tmpfs -o mode=0700 nsiso-userns /run/nsiso ||
	bail "cannot set up the child user namespace"
inuserns()
{
	nsenter --target "$holder" --user --mount -- "$@"
}
ok_cmd "control: in the sandbox, PID 1's namespaces open (the probe can tell)" "$PID1NS"
no_cmd "in the child user namespace, PID 1's namespaces cannot be opened (pidfd ioctl, /proc/1/ns)" \
	inuserns "$PID1NS"
ok_cmd "in the child user namespace, root has CAP_SYS_ADMIN there (CapEff all set)" \
	inuserns sh -c 'grep -q "^CapEff:.*1ffffffffff$" /proc/self/status'

PAMH=$(pamh_in "$holder" --user)
n0=$(log_start)
bg_session c1 nsiso-a ""
PAMH=$saved_pamh
wait_ready c1 nsiso-a || {
	finish c1
	bail "nsiso-a's session in the child user namespace did not come up" "$(cat "$STATE/c1.err")"
}
log_cut c1 "$n0"
c1=$(fact nsiso-a c1 ns)
expect_decision c1 nsiso-a "$uid_a" create "$PRI_INFO" "child user namespace: nsiso-a's first login"
is "$(inodes_of "$LINE")" "$c1" "child user namespace: the module made a set (logged inodes = the session's)"
isnt "$c1" "$a1" "child user namespace: ... a set of its own registry, not nsiso-a's in the sandbox"
PAMH=$(pamh_in "$holder" --user)
logged_login c2 nsiso-a
PAMH=$saved_pamh
expect_decision c2 nsiso-a "$uid_a" join "$PRI_INFO" "child user namespace: nsiso-a's second login"
is "$(fact nsiso-a c2 ns)" "$c1" "child user namespace: the module joins the set (kernel)"

# From inside that set, the way back (PID 1) is closed.
cpid=$(session_pid nsiso-a c1)
PAMH=$(pamh_in "$cpid" --user)

case_start "PID 1 unreachable, on_error = deny: a non-exempt user is refused, unchanged"
logged_login u1 nsiso-b --ns-report "$STATE/u1.ns"
expect_rc u1 "$RC" 3 "nsiso-b from inside the set: open_session fails (on_error = deny)"
expect_decision u1 nsiso-b "$uid_b" deny "$PRI_ERR" "nsiso-b, way back closed"
like "$LINE" "the way back to the host, /proc/1/ns, cannot be opened: [A-Za-z ]+; action=deny" \
	"nsiso-b: the line says the way back to the host cannot be opened"
is "$(grep -c 'pam_nsiso(' "$STATE/u1.log")" 1 "nsiso-b: that is the module's only line"
is "$(caller_ns u1)" "$c1" "nsiso-b: the PAM caller is still in the set it started in (never half-switched)"
no_cmd "nsiso-b: no set was made for it" inuserns test -e "/run/nsiso/users/$uid_b/set"
no_stderr u1 "nsiso-b, way back closed"

case_start "PID 1 unreachable: root is never locked out"
logged_login u2 root --ns-report "$STATE/u2.ns"
expect_rc u2 "$RC" 0 "root from inside the set: session opens (on_error = deny, from_set = host)"
expect_decision u2 root 0 exempt "$PRI_ERR" "root, way back closed"
like "$LINE" "the way back to the host, /proc/1/ns, cannot be opened: [A-Za-z ]+; action=exempt .*root is never locked out" \
	"root: the line says the way back cannot be opened, and that root stays"
is "$(inodes_of "$LINE")" "$c1" "root: the logged inodes are the set it stayed in"
is "$(caller_ns u2)" "$c1" "root: the PAM caller is still in that set (never half-switched)"
is "$(fact root u2 ns)" "$c1" "root: its session runs there"
no_stderr u2 "root, way back closed"

case_start "PID 1 unreachable: another exempt user gets on_error (deny)"
logged_login u3 nsiso-x --ns-report "$STATE/u3.ns"
expect_rc u3 "$RC" 3 "nsiso-x (exempt_users) from inside the set: open_session fails (on_error = deny)"
expect_decision u3 nsiso-x "$uid_x" deny "$PRI_ERR" "nsiso-x, way back closed"
like "$LINE" "cannot be opened: [A-Za-z ]+; action=deny .*\(exempt: exempt_users\)" \
	"nsiso-x: the line says why, and that the user is exempt"
is "$(caller_ns u3)" "$c1" "nsiso-x: the PAM caller is still in the set (never half-switched)"

case_start "PID 1 unreachable, on_error = allow: in, without isolation, unchanged"
printf '%s\non_error = allow\n' "$POLICY" | write_policy
logged_login u4 nsiso-b --ns-report "$STATE/u4.ns"
expect_rc u4 "$RC" 0 "nsiso-b from inside the set: session opens (on_error = allow)"
expect_decision u4 nsiso-b "$uid_b" allow "$PRI_ERR" "nsiso-b, on_error = allow"
like "$LINE" "cannot be opened: [A-Za-z ]+; action=allow .*on_error=allow: no isolation" \
	"nsiso-b, on_error = allow: the line says the way back cannot be opened, and no isolation"
is "$(inodes_of "$LINE")" "$c1" "nsiso-b, on_error = allow: the logged inodes are where the session is"
is "$(caller_ns u4)" "$c1" "nsiso-b, on_error = allow: the PAM caller's namespaces are unchanged"
is "$(fact nsiso-b u4 ns)" "$c1" "nsiso-b, on_error = allow: its session runs there"
no_stderr u4 "on_error = allow"
logged_login u5 nsiso-x --ns-report "$STATE/u5.ns"
expect_rc u5 "$RC" 0 "nsiso-x (exempt) from inside the set: session opens (on_error = allow)"
expect_decision u5 nsiso-x "$uid_x" exempt "$PRI_ERR" "nsiso-x, on_error = allow"
is "$(caller_ns u5)" "$c1" "nsiso-x, on_error = allow: the PAM caller's namespaces are unchanged"
echo "$POLICY" | write_policy
PAMH=$saved_pamh

case_start "the close lines"
n0=$(log_start)
finish c1
expect_rc c1 "$RC" 0 "child user namespace: nsiso-a's session closes"
finish a1
expect_rc a1 "$RC" 0 "nsiso-a's first session closes"
log_cut close "$n0"
is "$(grep -c ' action=teardown ' "$STATE/close.log")" 2 "each last close logs one action=teardown line"
like "$(grep ' action=teardown ' "$STATE/close.log" | tail -n 1)" \
	"^LOG $PRI_INFO.* action=teardown service=$SERVICE user=nsiso-a uid=$uid_a mnt=$(field 1 "$a1") ipc=$(field 2 "$a1") uts=$(field 3 "$a1") \(0 other sessions\)\$" \
	"the tear-down line names the set it tore down"
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null

case_start "every line of the module"
empty "$(grep '^RAW .*pam_nsiso' "$SYSLOG" || true)" "no line of the module carries a raw control or non-ASCII byte"

done_testing
