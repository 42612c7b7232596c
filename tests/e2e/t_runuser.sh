#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# util-linux runuser, run by root from the sandbox (the host as far as the
# module knows):
#   - runuser -l nsiso-alice ends in nsiso-alice's set, the one her ssh session is in;
#   - runuser -u nsiso-alice (service runuser, not runuser-l) too;
#   - a set made by runuser -l nsiso-bob is the one nsiso-bob's later ssh session joins;
#   - root's own shell stays in the sandbox's namespaces throughout.
# shellcheck source=tests/e2e/lib.sh disable=SC3043,SC2317
# (SC2317: wait_until calls the small predicate functions below)
. "$(dirname "$0")/lib.sh"
setup
need_prog runuser ssh
add_user nsiso-alice
add_user nsiso-bob
uid_a=$(uid_of nsiso-alice)
uid_b=$(uid_of nsiso-bob)
write_policy <<POLICY
[global]
namespaces = mnt, ipc, uts
hostname = %u-e2e
POLICY
pam_runuser
start_sshd

session_start a1 nsiso-alice || bail "nsiso-alice's ssh session did not come up"
run_facts a1 "nsiso-alice ssh: write /tmp/f, report" "echo nsiso-alice-tmp >/tmp/f && $BIN/facts"
a1=$(getf ns "$FACTS")
isnt "$(field 1 "$a1")" "$(field 1 "$SANDBOX_NS")" "nsiso-alice ssh: in a set of her own (mnt differs from the sandbox's)"

# ------------------------------------------------- runuser -l nsiso-alice
rc=0
out=$(timeout -k 5 "$WAIT" runuser -l nsiso-alice -c "$BIN/facts" </dev/null 2>"$STATE/ru1.err") || rc=$?
is "$rc" 0 "runuser -l nsiso-alice -c facts exits 0"
[ "$rc" = 0 ] || diag_file "$STATE/ru1.err"
is "$(getf uid "$out")" "$uid_a" "runuser -l nsiso-alice: the shell runs as nsiso-alice"
is "$(getf ns "$out")" "$a1" "runuser -l nsiso-alice: same mnt/ipc/uts inodes as nsiso-alice's ssh session"
is "$(getf tmp_f "$out")" "nsiso-alice-tmp" "runuser -l nsiso-alice: sees nsiso-alice's /tmp/f"
is "$(getf host "$out")" "nsiso-alice-e2e" "runuser -l nsiso-alice: hostname is nsiso-alice-e2e"
is "$(ns_of $$)" "$SANDBOX_NS" "root's test shell is still in the sandbox's namespaces"
is "$(hostname)" "$SANDBOX_HOST" "root's test shell still has the sandbox's hostname"

# ------------------------------------------------- runuser -u nsiso-alice (service runuser)
rc=0
out=$(timeout -k 5 "$WAIT" runuser -u nsiso-alice -- "$BIN/facts" </dev/null 2>"$STATE/ru2.err") || rc=$?
is "$rc" 0 "runuser -u nsiso-alice -- facts exits 0"
[ "$rc" = 0 ] || diag_file "$STATE/ru2.err"
is "$(getf ns "$out")" "$a1" "runuser -u nsiso-alice: same mnt/ipc/uts inodes as nsiso-alice's ssh session"

# ------------------------------------------------- runuser -l nsiso-bob first, then ssh
timeout -k 5 "$WAIT" runuser -l nsiso-bob -c "$BIN/hold r1" </dev/null >"$STATE/ru-nsiso-bob.out" 2>"$STATE/ru-nsiso-bob.err" &
ru_bob=$!
bob_ready()
{
	grep -qx ready "$STATE/ru-nsiso-bob.out" 2>/dev/null
}
if wait_until bob_ready; then
	pass "runuser -l nsiso-bob (held open): the session comes up"
else
	fail "runuser -l nsiso-bob (held open): the session comes up"
	diag_file "$STATE/ru-nsiso-bob.out"
	diag_file "$STATE/ru-nsiso-bob.err"
fi
r1=$(getf ns "$(cat "$STATE/ru-nsiso-bob.out")")
is "$(getf uid "$(cat "$STATE/ru-nsiso-bob.out")")" "$uid_b" "runuser -l nsiso-bob: the shell runs as nsiso-bob"
for i in $(seq "$NSISO_TEST_NS_N"); do
	ns=$(ns_name $i)
	isnt "$(field $i "$r1")" "$(field $i "$a1")" "runuser -l nsiso-bob: $ns namespace differs from nsiso-alice's"
	isnt "$(field $i "$r1")" "$(field $i "$SANDBOX_NS")" "runuser -l nsiso-bob: $ns namespace differs from the sandbox's"
done
rc=0
out=$(ssh_run b1 nsiso-bob "echo nsiso-bob-tmp >/tmp/f && $BIN/facts") || rc=$?
is "$rc" 0 "nsiso-bob's ssh session (while runuser -l nsiso-bob holds his set) exits 0"
[ "$rc" = 0 ] || diag_file "$STATE/b1.err"
is "$(getf ns "$out")" "$r1" "nsiso-bob's ssh session joins the set runuser -l nsiso-bob made"
flag r1
rc=0
wait "$ru_bob" || rc=$?
is "$rc" 0 "runuser -l nsiso-bob ends with exit status 0 once released"

rc=0
out=$(timeout -k 5 "$WAIT" runuser -l nsiso-alice -c "$BIN/facts" </dev/null 2>"$STATE/ru3.err") || rc=$?
is "$(getf ns "$out")" "$a1" "runuser -l nsiso-alice again: still nsiso-alice's set"
is "$(getf tmp_f "$out")" "nsiso-alice-tmp" "runuser -l nsiso-alice again: nsiso-alice's /tmp/f, not nsiso-bob's"

session_end a1
is "$RC" 0 "nsiso-alice's ssh session ends with exit status 0"
is "$(ns_of $$)" "$SANDBOX_NS" "root's test shell is still in the sandbox's namespaces at the end"

done_testing
