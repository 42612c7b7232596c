#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 13: util-linux su, run by alice from her ssh session, makes bob's set
# with net = hook and the shipped config/nsiso-net-hook. su is setuid: its
# real uid is alice's. The hook ("#!/bin/sh": dash drops to the real uid when
# it differs from the effective one) must still run as root, or it fails
# ("RTNETLINK answers: Operation not permitted") and su - bob is refused.
#   - su - bob exits 0; bob's shell runs as bob, in a net namespace that is
#     neither alice's nor the sandbox's, with eth0 holding the address the
#     hook gives bob's uid;
#   - the host side nsv<uid> of bob's veth is a port of the bridge nsiso0;
#   - once su ends, bob's set is released and the veth is gone.
# shellcheck source=tests/e2e/lib.sh disable=SC3043,SC2317
. "$(dirname "$0")/lib.sh"
setup
need_prog su ip nsenter
add_user alice
add_user bob
uid_b=$(uid_of bob)

HOOKS=$E2E/hooks # root 0755, like every directory above it
mkdir -p "$HOOKS"
chown root:root "$HOOKS"
chmod 0755 "$HOOKS"
install -o root -g root -m 0755 "$TOP/config/nsiso-net-hook" "$HOOKS/nsiso-net-hook"
write_policy <<EOF
[global]
namespaces = mnt, ipc, uts, net
net = hook
net_hook = $HOOKS/nsiso-net-hook
EOF
# netfacts: the facts, the net namespace and eth0's address of the caller.
cat >"$BIN/netfacts" <<'EOF'
#!/bin/sh
/run/nsiso-e2e/bin/facts
echo "net=$(stat -L -c %i /proc/self/ns/net)"
echo "eth0=$(ip -4 -o addr show dev eth0 2>/dev/null | awk '{ print $4 }')"
EOF
chmod 0755 "$BIN/netfacts"
pam_su
start_sshd

# The address config/nsiso-net-hook gives a uid (UID_BASE=0), written out
# independently of the hook's code: h = uid + 1, 10.213.(h / 254).(h % 254 + 1).
h=$((uid_b + 1))
addr_b="10.213.$((h / 254)).$((h % 254 + 1))"
sandbox_net=$(stat -L -c %i /proc/1/ns/net)

session_start a1 alice || bail "alice's ssh session did not come up"
run_facts a1 "alice ssh: report" "$BIN/netfacts"
a1net=$(getf net "$FACTS")
is "$(getf eth0 "$FACTS")" "$(h=$(($(uid_of alice) + 1)) && echo "10.213.$((h / 254)).$((h % 254 + 1))")/16" \
	"alice ssh (hook run under sshd): eth0 has alice's address"

run_facts a1 "alice ssh: su - bob -c netfacts (bob's set made by su, net = hook)" \
	"su - bob -c $BIN/netfacts"
is "$(getf uid "$FACTS")" "$uid_b" "su - bob: the shell runs as bob"
isnt "$(getf net "$FACTS")" "$a1net" "su - bob: a net namespace other than alice's"
isnt "$(getf net "$FACTS")" "$sandbox_net" "su - bob: ... and other than the sandbox's"
is "$(getf eth0 "$FACTS")" "$addr_b/16" "su - bob: the hook gave bob's eth0 the address $addr_b/16"
# su's session has closed: bob's set (no process left) is released, and the
# veth pair dies with its namespace (asynchronously in the kernel).
link_gone()
{
	! ip link show dev "nsv$uid_b" >/dev/null 2>&1
}
ok_cmd "after su ends, bob's veth nsv$uid_b is gone with his set" wait_until link_gone

# Once more, while su's session is open: the host side is on the sandbox's bridge.
run_facts a1 "alice ssh: start su - bob -c 'hold b2' in the background" \
	"su - bob -c '$BIN/hold b2' >$OUT/alice/su-bob.out 2>$OUT/alice/su-bob.err </dev/null &"
bob_ready()
{
	grep -qx ready "$OUT/alice/su-bob.out" 2>/dev/null
}
if wait_until bob_ready; then
	pass "su - bob (held): the session comes up"
else
	fail "su - bob (held): the session comes up"
	diag_file "$OUT/alice/su-bob.err"
fi
ok_cmd "su - bob (held): nsv$uid_b is a port of the bridge nsiso0 in the sandbox" \
	sh -c "ip -o link show dev nsv$uid_b | grep -q 'master nsiso0'"
flag b2
su_done()
{
	! pgrep -u "$uid_b" >/dev/null
}
ok_cmd "su - bob (held) ends once released" wait_until su_done
ok_cmd "... and bob's veth is gone again" wait_until link_gone

session_end a1
is "$RC" 0 "alice's ssh session ends with exit status 0"
done_testing
