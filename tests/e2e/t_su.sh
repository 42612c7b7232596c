#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# util-linux su from inside nsiso-alice's ssh session (nsiso-alice runs su, as herself):
#   - su - nsiso-bob: nsiso-bob's shell is in nsiso-bob's set (the one his own ssh session is
#     in), not nsiso-alice's, and sees nsiso-bob's /tmp;
#   - su - carol (no set yet): carol's new set is neither nsiso-alice's nor the
#     sandbox's, and it is registered on the host: runuser -l carol from the
#     sandbox joins it while su's session holds it;
#   - su - (root, exempt) with from_set = host: root's shell is in the
#     sandbox's namespaces (those of PID 1, the sandbox init); with
#     from_set = stay it stays in nsiso-alice's set.
# shellcheck source=tests/e2e/lib.sh disable=SC3043,SC2317
# (SC2317: wait_until calls the small predicate functions below)
. "$(dirname "$0")/lib.sh"
setup
need_prog su runuser ssh
add_user nsiso-alice
add_user nsiso-bob
add_user carol
uid_b=$(uid_of nsiso-bob)
uid_c=$(uid_of carol)
policy()
{
	write_policy <<EOF
[global]
namespaces = mnt, ipc, uts
hostname = %u-e2e
from_set = $1
EOF
}
policy host
echo sandbox-tmp >/tmp/f # the sandbox's own /tmp (the host's, as far as the module knows)
pam_su
pam_runuser
start_sshd

session_start a1 nsiso-alice || bail "nsiso-alice's ssh session did not come up"
run_facts a1 "nsiso-alice ssh: write /tmp/f, report" "echo nsiso-alice-tmp >/tmp/f && $BIN/facts"
a1=$(getf ns "$FACTS")
isnt "$(field 1 "$a1")" "$(field 1 "$SANDBOX_NS")" "nsiso-alice ssh: in a set of her own (mnt differs from the sandbox's)"
session_start b1 nsiso-bob || bail "nsiso-bob's ssh session did not come up"
run_facts b1 "nsiso-bob ssh: write /tmp/f, report" "echo nsiso-bob-tmp >/tmp/f && $BIN/facts"
b1=$(getf ns "$FACTS")
isnt "$(field 1 "$b1")" "$(field 1 "$a1")" "nsiso-bob ssh: in a set other than nsiso-alice's"

# ------------------------------------------------- su - nsiso-bob
run_facts a1 "nsiso-alice ssh: su - nsiso-bob -c facts" "su - nsiso-bob -c $BIN/facts"
is "$(getf uid "$FACTS")" "$uid_b" "su - nsiso-bob: the shell runs as nsiso-bob"
is "$(getf ns "$FACTS")" "$b1" "su - nsiso-bob: mnt/ipc/uts inodes are those of nsiso-bob's ssh session"
for i in $(seq "$NSISO_TEST_NS_N"); do
	ns=$(ns_name $i)
	isnt "$(field $i "$(getf ns "$FACTS")")" "$(field $i "$a1")" "su - nsiso-bob: $ns namespace differs from nsiso-alice's"
done
is "$(getf tmp_f "$FACTS")" "nsiso-bob-tmp" "su - nsiso-bob: sees nsiso-bob's /tmp/f, not nsiso-alice's"
is "$(getf host "$FACTS")" "nsiso-bob-e2e" "su - nsiso-bob: hostname is nsiso-bob-e2e"
run_facts a1 "nsiso-alice ssh: after su - nsiso-bob, report" "$BIN/facts"
is "$(getf ns "$FACTS")" "$a1" "nsiso-alice's shell is still in her set after su - nsiso-bob"
is "$(getf tmp_f "$FACTS")" "nsiso-alice-tmp" "nsiso-alice's shell still sees her /tmp/f"
run_facts b1 "nsiso-bob ssh: after su - nsiso-bob, report" "$BIN/facts"
is "$(getf ns "$FACTS")" "$b1" "nsiso-bob's ssh session is still in the same set"

# ------------------------------------------------- su - carol (creates her set)
# su runs in the background of nsiso-alice's shell and holds carol's session open
# until the flag c1 (root only) exists; its stdout goes to a file of nsiso-alice's.
run_facts a1 "nsiso-alice ssh: start su - carol -c 'hold c1' in the background" \
	"su - carol -c '$BIN/hold c1' >$OUT/nsiso-alice/su-carol.out 2>$OUT/nsiso-alice/su-carol.err </dev/null &"
carol_ready()
{
	grep -qx ready "$OUT/nsiso-alice/su-carol.out" 2>/dev/null
}
if wait_until carol_ready; then
	pass "su - carol: the session comes up"
else
	fail "su - carol: the session comes up"
	diag_file "$OUT/nsiso-alice/su-carol.out"
	diag_file "$OUT/nsiso-alice/su-carol.err"
fi
FACTS=$(cat "$OUT/nsiso-alice/su-carol.out" 2>/dev/null)
c1=$(getf ns "$FACTS")
is "$(getf uid "$FACTS")" "$uid_c" "su - carol: the shell runs as carol"
for i in $(seq "$NSISO_TEST_NS_N"); do
	ns=$(ns_name $i)
	isnt "$(field $i "$c1")" "$(field $i "$a1")" "su - carol: $ns namespace differs from nsiso-alice's"
	isnt "$(field $i "$c1")" "$(field $i "$SANDBOX_NS")" "su - carol: $ns namespace differs from the sandbox's"
done
is "$(getf tmp_f "$FACTS")" "ABSENT" "su - carol: a fresh /tmp (nsiso-alice's /tmp/f not there)"
is "$(getf host "$FACTS")" "carol-e2e" "su - carol: hostname is carol-e2e"
rc=0
out=$(timeout -k 5 "$WAIT" runuser -l carol -c "$BIN/facts" </dev/null 2>"$STATE/ru-carol.err") || rc=$?
is "$rc" 0 "runuser -l carol (from the sandbox) exits 0"
[ "$rc" = 0 ] || diag_file "$STATE/ru-carol.err"
is "$(getf ns "$out")" "$c1" "runuser -l carol joins the set su - carol made from inside nsiso-alice's set"
is "$(pins_of "$uid_c" | grep -c "^/$uid_c/mnt\$")" "1" \
	"carol's set is pinned in the registry's keeper (made from inside nsiso-alice's set)"
isnt "$(refs_of "$c1")" "" "while su - carol runs, a mount table holds pins of carol's set"
flag c1
su_done()
{
	! pgrep -u "$uid_c" >/dev/null
}
ok_cmd "su - carol ends once released" wait_until su_done
# su closed the session from inside carol's set, having come from nsiso-alice's:
# carol's set (no process left, lifetime = processes) is released.
if wait_until no_refs_of "$c1"; then
	pass "carol's set is released after su - carol ends: no mount table holds a pin of it"
else
	fail "carol's set is released after su - carol ends: no mount table holds a pin of it" \
		"still referenced in: $(refs_of "$c1" | tr '\n' ' ')" "$(findmnt -rn -t nsfs)"
fi
is "$(ns_of "$(session_pid a1)")" "$a1" "nsiso-alice's shell is still in her set after su - carol ended"

# ------------------------------------------------- su - (root), from_set = host
run_facts a1 "nsiso-alice ssh: su - -c facts (from_set = host)" "su - -c $BIN/facts"
is "$(getf uid "$FACTS")" "0" "su -: the shell runs as root"
is "$(getf ns "$FACTS")" "$SANDBOX_NS" "su - (from_set = host): root's shell is in the sandbox's namespaces (= /proc/1/ns)"
is "$(getf tmp_f "$FACTS")" "sandbox-tmp" "su - (from_set = host): root sees the sandbox's /tmp/f, not nsiso-alice's"
is "$(getf host "$FACTS")" "$SANDBOX_HOST" "su - (from_set = host): hostname is the sandbox's"

# ------------------------------------------------- su - (root), from_set = stay
policy stay
run_facts a1 "nsiso-alice ssh: su - -c facts (from_set = stay)" "su - -c $BIN/facts"
is "$(getf uid "$FACTS")" "0" "su - (stay): the shell runs as root"
is "$(getf ns "$FACTS")" "$a1" "su - (from_set = stay): root's shell stays in nsiso-alice's set"
is "$(getf tmp_f "$FACTS")" "nsiso-alice-tmp" "su - (from_set = stay): root sees nsiso-alice's /tmp/f"
is "$(getf host "$FACTS")" "nsiso-alice-e2e" "su - (from_set = stay): hostname is nsiso-alice-e2e"
# a non-exempt user still goes to their own set with from_set = stay
run_facts a1 "nsiso-alice ssh: su - nsiso-bob -c facts (from_set = stay)" "su - nsiso-bob -c $BIN/facts"
is "$(getf ns "$FACTS")" "$b1" "su - nsiso-bob (from_set = stay): still nsiso-bob's own set"

# ------------------------------------------------- end
is "$(ns_of $$)" "$SANDBOX_NS" "the test shell is still in the sandbox's namespaces"
session_end b1
is "$RC" 0 "nsiso-bob's ssh session ends with exit status 0"
session_end a1
is "$RC" 0 "nsiso-alice's ssh session ends with exit status 0"

done_testing
