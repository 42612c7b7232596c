#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The service name systemd uses for a user's manager (systemd --user), driven
# through the real libpam with build/nsiso-pamh and a stack in a temporary
# config dir (no systemd is needed for that):
#   - a systemd-user session of nsiso-alice joins the set her ssh session is in;
#   - a systemd-user session opened first (a user manager started before the
#     login, held open) makes the set nsiso-bob's ssh session then joins.
# shellcheck source=tests/e2e/lib.sh disable=SC3043,SC2317
# (SC2317: wait_until calls the small predicate functions below)
. "$(dirname "$0")/lib.sh"
setup
need_prog ssh
[ -x "$PAMH" ] || cannot_run "$PAMH is missing (make build/nsiso-pamh; tests/e2e/run.sh builds it)"
add_user nsiso-alice
add_user nsiso-bob
write_policy <<POLICY
[global]
namespaces = mnt, ipc, uts
hostname = %u-e2e
POLICY
PAMD=$E2E/pamh.d
mkdir -m 0755 "$PAMD"
write_pam "$PAMD/systemd-user" \
	"account required pam_permit.so" \
	"$SESSION_LINES" \
	"$(module_line)"
start_sshd

# pamh TAG USER CMD...: a systemd-user session through nsiso-pamh.
pamh()
{
	local tag user
	tag=$1
	user=$2
	shift 2
	timeout -k 5 "$WAIT" "$PAMH" --confdir "$PAMD" --service systemd-user --user "$user" -- "$@" \
		</dev/null 2>"$STATE/$tag.err"
}

session_start a1 nsiso-alice || bail "nsiso-alice's ssh session did not come up"
run_facts a1 "nsiso-alice ssh: write /tmp/f, report" "echo nsiso-alice-tmp >/tmp/f && $BIN/facts"
a1=$(getf ns "$FACTS")
isnt "$(field 1 "$a1")" "$(field 1 "$SANDBOX_NS")" "nsiso-alice ssh: in a set of her own (mnt differs from the sandbox's)"

rc=0
out=$(pamh u1 nsiso-alice "$BIN/facts") || rc=$?
is "$rc" 0 "systemd-user session of nsiso-alice (nsiso-pamh) exits 0"
[ "$rc" = 0 ] || diag_file "$STATE/u1.err"
is "$(getf ns "$out")" "$a1" "systemd-user session of nsiso-alice joins her ssh session's set (mnt/ipc/uts inodes)"
is "$(getf tmp_f "$out")" "nsiso-alice-tmp" "systemd-user session of nsiso-alice sees her /tmp/f"
is "$(getf host "$out")" "nsiso-alice-e2e" "systemd-user session of nsiso-alice: hostname is nsiso-alice-e2e"

# nsiso-bob: the user manager first, then the login
pamh u2 nsiso-bob "$BIN/hold" u2 >"$STATE/u2.out" &
u2=$!
u2_ready()
{
	grep -qx ready "$STATE/u2.out" 2>/dev/null
}
if wait_until u2_ready; then
	pass "systemd-user session of nsiso-bob (held open) comes up"
else
	fail "systemd-user session of nsiso-bob (held open) comes up"
	diag_file "$STATE/u2.out"
	diag_file "$STATE/u2.err"
fi
s2=$(getf ns "$(cat "$STATE/u2.out")")
isnt "$(field 1 "$s2")" "$(field 1 "$SANDBOX_NS")" "systemd-user session of nsiso-bob: a set of his own (mnt differs from the sandbox's)"
isnt "$(field 1 "$s2")" "$(field 1 "$a1")" "systemd-user session of nsiso-bob: not nsiso-alice's set"
# the nsiso-pamh process that opened the session (the manager's PAM side) is in it too
pamh_pid=$(ppid_of "$(getf holder "$(cat "$STATE/u2.out")")")
is "$(ns_of "$pamh_pid")" "$s2" "the process that opened nsiso-bob's systemd-user session ($(args_of "$pamh_pid" | cut -c1-40)) is in his set"
rc=0
out=$(ssh_run b1 nsiso-bob "$BIN/facts") || rc=$?
is "$rc" 0 "nsiso-bob's ssh session exits 0"
[ "$rc" = 0 ] || diag_file "$STATE/b1.err"
is "$(getf ns "$out")" "$s2" "nsiso-bob's ssh session joins the set his systemd-user session made"
flag u2
rc=0
wait "$u2" || rc=$?
is "$rc" 0 "nsiso-bob's systemd-user session ends with exit status 0 once released"

session_end a1
is "$RC" 0 "nsiso-alice's ssh session ends with exit status 0"

done_testing
