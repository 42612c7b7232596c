#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Case 6: lifetimes processes (default), session, boot.
#
# Namespace inode numbers are recycled by the kernel as soon as a namespace is
# freed, so before comparing "same" or "new" inodes the test holds the old
# set's namespaces open (hold_ns: a root process in the sandbox with
# fds on them, not a member of them, invisible in every mount table).
. "$(dirname "$0")/lib.sh"
setup
need_module

add_user nsiso-p
add_user nsiso-s
add_user nsiso-k
add_user nsiso-w
uid_p=$(uid_of nsiso-p)
uid_s=$(uid_of nsiso-s)
uid_k=$(uid_of nsiso-k)
write_policy <<EOF
[global]
namespaces = mnt, ipc, uts

[user:nsiso-s]
lifetime = session

[user:nsiso-k]
lifetime = boot
EOF
write_pam debug

# all_pins UID: the pins a complete set of mnt, ipc, uts has.
all_pins()
{
	echo "/$1/ipc /$1/mnt /$1/uts "
}
pins_line()
{
	pins_of "$1" | sort | tr '\n' ' '
}
# members MNT_INODE: pids of processes whose mount namespace is MNT_INODE.
members()
{
	for p in /proc/[0-9]*; do
		[ "$(stat -L -c %i "$p/ns/mnt" 2>/dev/null)" = "$1" ] && echo "${p#/proc/}"
	done
	return 0
}

# ----------------------------------------------------------- processes
RC=0
login p1 nsiso-p -- sh -c "echo p1 >/tmp/f
setsid sleep 300 </dev/null >/dev/null 2>&1 &
echo \$! >$OUT/nsiso-p/bg.pid
$BIN/report $OUT/nsiso-p/p1" || RC=$?
expect_rc p1 "$RC" 0 "processes: session 1 opens and closes"
p1=$(fact nsiso-p p1 ns)
bg=$(cat "$OUT/nsiso-p/bg.pid" 2>/dev/null || echo none)
is "$(cat "/proc/$bg/comm" 2>/dev/null)" "sleep" "processes: a background process (pid $bg) survives the session"
is "$(ns_of "$bg" 2>/dev/null)" "$p1" "processes: it is in nsiso-p's set"
is "$(pins_line "$uid_p")" "$(all_pins "$uid_p")" "processes: pins remain after the last close while a process is left"
hold_ns p "$bg"

# Witnesses for "no mount table keeps a pin" (docs/architecture.md K2), made while the pins
# exist: a mount namespace the project does not control (a slave copy of the
# sandbox's, like a service with PrivateTmp=), and another user's set.
unshare --mount --propagation slave sleep 300 &
witness=$!
timeout "$WAIT_TIMEOUT" sh -c 'until [ "$(stat -L -c %i /proc/$1/ns/mnt)" != "$2" ]; do sleep 0.05; done' \
	_ "$witness" "$(field 1 "$SANDBOX_NS")"
# Registry v2: the pins live in the keeper's table, so the copy has none.
ok_cmd "witness: a slave mount namespace made while the set is live copies none of its pins" \
	sh -c '! grep -q "nsfs" "$1"' _ "/proc/$witness/mountinfo"
bg_session w1 nsiso-w ":"
wait_ready w1 nsiso-w || fail "witness: nsiso-w's session did not come up"

report_login p2 nsiso-p
expect_rc p2 "$RC" 0 "processes: session 2 opens"
is "$(fact nsiso-p p2 ns)" "$p1" "processes: session 2 joins the same mnt/ipc/uts inodes"
is "$(fact nsiso-p p2 tmp_f)" "p1" "processes: session 2 sees session 1's /tmp/f"

kill "$bg"
wait_gone "$bg" || fail "processes: background process $bg did not go away"
is "$(members "$(field 1 "$p1")")" "" "processes: no process is left in the set"
report_login p3 nsiso-p
expect_rc p3 "$RC" 0 "processes: session 3 opens and closes"
is "$(fact nsiso-p p3 ns)" "$p1" "processes: session 3 still joined the same set"
is "$(pins_line "$uid_p")" "" "processes: no pin of nsiso-p left in the sandbox (findmnt -t nsfs)"
refs=$(mountinfo_refs "$p1")
is "$refs" "" "processes: no /proc/*/mountinfo holds one of the set's namespaces (witnesses included)"
ok_cmd "witness: the slave namespace is still alive" test -r "/proc/$witness/mountinfo"
ok_cmd "witness: nsiso-w's session is still open" test ! -e "$STATE/w1.rc"
finish w1
kill "$witness"

report_login p4 nsiso-p
expect_rc p4 "$RC" 0 "processes: next login opens"
p4=$(fact nsiso-p p4 ns)
for i in $(seq "$NSISO_TEST_NS_N"); do
	ns=$(ns_name $i)
	isnt "$(field $i "$p4")" "$(field $i "$p1")" "processes: next login gets a new $ns namespace"
	isnt "$(field $i "$p4")" "$(field $i "$SANDBOX_NS")" "processes: ... which is not the sandbox's $ns"
done
is "$(fact nsiso-p p4 tmp_f)" "ABSENT" "processes: the new set has a fresh /tmp"

# ----------------------------------------------------------- session
bg_session s1 nsiso-s "echo s1 >/tmp/f"
wait_ready s1 nsiso-s || bail "session: first session did not come up" "$(cat "$STATE/s1.err")"
s1=$(fact nsiso-s s1 ns)
RC=0
login s2 nsiso-s -- sh -c "setsid sleep 300 </dev/null >/dev/null 2>&1 &
echo \$! >$OUT/nsiso-s/bg.pid" || RC=$?
expect_rc s2 "$RC" 0 "session: a second session starts a background process and closes"
bg=$(cat "$OUT/nsiso-s/bg.pid" 2>/dev/null || echo none)
hold_ns s "$bg"
is "$(ns_of "$bg" 2>/dev/null)" "$s1" "session: the background process is in nsiso-s's set"
is "$(pins_line "$uid_s")" "$(all_pins "$uid_s")" "session: pins remain while another session is open"
finish s1
expect_rc s1 "$RC" 0 "session: the last session closes"
is "$(pins_line "$uid_s")" "" "session: no pin of nsiso-s left after the last close (findmnt -t nsfs)"
is "$(mountinfo_refs "$s1")" "" "session: no /proc/*/mountinfo holds one of the set's namespaces"
is "$(ns_of "$bg" 2>/dev/null)" "$s1" "session: the surviving process keeps its (detached) namespaces"
report_login s3 nsiso-s
expect_rc s3 "$RC" 0 "session: next login opens"
s3=$(fact nsiso-s s3 ns)
for i in $(seq "$NSISO_TEST_NS_N"); do
	ns=$(ns_name $i)
	isnt "$(field $i "$s3")" "$(field $i "$s1")" "session: next login gets a new $ns namespace"
done
is "$(fact nsiso-s s3 tmp_f)" "ABSENT" "session: the new set has a fresh /tmp"
kill "$bg" 2>/dev/null

# ----------------------------------------------------------- boot
bg_session k1 nsiso-k "echo k1 >/tmp/f"
wait_ready k1 nsiso-k || bail "boot: first session did not come up" "$(cat "$STATE/k1.err")"
k1=$(fact nsiso-k k1 ns)
hold_ns k "$(session_pid nsiso-k k1)"
finish k1
expect_rc k1 "$RC" 0 "boot: session 1 opens and closes"
wait_gone "$(session_pid nsiso-k k1)"
is "$(members "$(field 1 "$k1")")" "" "boot: no process is left in the set"
is "$(pins_line "$uid_k")" "$(all_pins "$uid_k")" "boot: pins remain after the last close"
report_login k2 nsiso-k
expect_rc k2 "$RC" 0 "boot: session 2 opens"
is "$(fact nsiso-k k2 ns)" "$k1" "boot: session 2 joins the same mnt/ipc/uts inodes"
is "$(fact nsiso-k k2 tmp_f)" "k1" "boot: session 2 sees session 1's /tmp/f"
is "$(pins_line "$uid_k")" "$(all_pins "$uid_k")" "boot: pins still there after session 2"

done_testing
