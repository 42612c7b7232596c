#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# util-linux runuser, run by root from the sandbox (the host as far as the
# module knows):
#   - runuser -l alice ends in alice's set, the one her ssh session is in;
#   - runuser -u alice (service runuser, not runuser-l) too;
#   - a set made by runuser -l bob is the one bob's later ssh session joins;
#   - root's own shell stays in the sandbox's namespaces throughout.
# shellcheck source=tests/e2e/lib.sh disable=SC3043,SC2317
# (SC2317: wait_until calls the small predicate functions below)
. "$(dirname "$0")/lib.sh"
setup
need_prog runuser ssh
add_user alice
add_user bob
uid_a=$(uid_of alice)
uid_b=$(uid_of bob)
write_policy <<POLICY
[global]
namespaces = mnt, ipc, uts
hostname = %u-e2e
POLICY
pam_runuser
start_sshd

session_start a1 alice || bail "alice's ssh session did not come up"
run_facts a1 "alice ssh: write /tmp/f, report" "echo alice-tmp >/tmp/f && $BIN/facts"
a1=$(getf ns "$FACTS")
isnt "$(field 1 "$a1")" "$(field 1 "$SANDBOX_NS")" "alice ssh: in a set of her own (mnt differs from the sandbox's)"

# ------------------------------------------------- runuser -l alice
rc=0
out=$(timeout -k 5 "$WAIT" runuser -l alice -c "$BIN/facts" </dev/null 2>"$STATE/ru1.err") || rc=$?
is "$rc" 0 "runuser -l alice -c facts exits 0"
[ "$rc" = 0 ] || diag_file "$STATE/ru1.err"
is "$(getf uid "$out")" "$uid_a" "runuser -l alice: the shell runs as alice"
is "$(getf ns "$out")" "$a1" "runuser -l alice: same mnt/ipc/uts inodes as alice's ssh session"
is "$(getf tmp_f "$out")" "alice-tmp" "runuser -l alice: sees alice's /tmp/f"
is "$(getf host "$out")" "alice-e2e" "runuser -l alice: hostname is alice-e2e"
is "$(ns_of $$)" "$SANDBOX_NS" "root's test shell is still in the sandbox's namespaces"
is "$(hostname)" "$SANDBOX_HOST" "root's test shell still has the sandbox's hostname"

# ------------------------------------------------- runuser -u alice (service runuser)
rc=0
out=$(timeout -k 5 "$WAIT" runuser -u alice -- "$BIN/facts" </dev/null 2>"$STATE/ru2.err") || rc=$?
is "$rc" 0 "runuser -u alice -- facts exits 0"
[ "$rc" = 0 ] || diag_file "$STATE/ru2.err"
is "$(getf ns "$out")" "$a1" "runuser -u alice: same mnt/ipc/uts inodes as alice's ssh session"

# ------------------------------------------------- runuser -l bob first, then ssh
timeout -k 5 "$WAIT" runuser -l bob -c "$BIN/hold r1" </dev/null >"$STATE/ru-bob.out" 2>"$STATE/ru-bob.err" &
ru_bob=$!
bob_ready()
{
	grep -qx ready "$STATE/ru-bob.out" 2>/dev/null
}
if wait_until bob_ready; then
	pass "runuser -l bob (held open): the session comes up"
else
	fail "runuser -l bob (held open): the session comes up"
	diag_file "$STATE/ru-bob.out"
	diag_file "$STATE/ru-bob.err"
fi
r1=$(getf ns "$(cat "$STATE/ru-bob.out")")
is "$(getf uid "$(cat "$STATE/ru-bob.out")")" "$uid_b" "runuser -l bob: the shell runs as bob"
for i in 1 2 3; do
	ns=$(echo mnt ipc uts | cut -d' ' -f$i)
	isnt "$(field $i "$r1")" "$(field $i "$a1")" "runuser -l bob: $ns namespace differs from alice's"
	isnt "$(field $i "$r1")" "$(field $i "$SANDBOX_NS")" "runuser -l bob: $ns namespace differs from the sandbox's"
done
rc=0
out=$(ssh_run b1 bob "echo bob-tmp >/tmp/f && $BIN/facts") || rc=$?
is "$rc" 0 "bob's ssh session (while runuser -l bob holds his set) exits 0"
[ "$rc" = 0 ] || diag_file "$STATE/b1.err"
is "$(getf ns "$out")" "$r1" "bob's ssh session joins the set runuser -l bob made"
flag r1
rc=0
wait "$ru_bob" || rc=$?
is "$rc" 0 "runuser -l bob ends with exit status 0 once released"

rc=0
out=$(timeout -k 5 "$WAIT" runuser -l alice -c "$BIN/facts" </dev/null 2>"$STATE/ru3.err") || rc=$?
is "$(getf ns "$out")" "$a1" "runuser -l alice again: still alice's set"
is "$(getf tmp_f "$out")" "alice-tmp" "runuser -l alice again: alice's /tmp/f, not bob's"

session_end a1
is "$RC" 0 "alice's ssh session ends with exit status 0"
is "$(ns_of $$)" "$SANDBOX_NS" "root's test shell is still in the sandbox's namespaces at the end"

done_testing
