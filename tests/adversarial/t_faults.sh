#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Faults (the fault-injection build, make fault-build): at every step of
# creation, join and tear-down, SIGKILL (of whichever process runs that
# step: the PAM caller, or the creation/tear-down child) and an error
# return. After each:
#   - the PAM caller's exit status is the one that step implies;
#   - no half-made set is visible: either no set record (pins left without
#     one are stale), or a record whose every pin checks out;
#   - an error return leaves the caller in the namespaces it started in
#     (join.partial proves the rollback of a half-done join);
#   - no nsiso-pamh process (caller or child) and no process outside the
#     sandbox's namespaces is left;
#   - the next login, without faults, succeeds in a good set (new
#     namespaces, /tmp a tmpfs, record and pins check out, one mount per
#     pin), and its close tears that set down completely (so stale pins
#     were cleaned and nothing holds the old set).
. "$(dirname "$0")/lib.sh"
setup
need_fault_module

add_user nsiso-k
uid_k=$(uid_of nsiso-k)
write_policy <<EOF2
[global]
namespaces = mnt, ipc, uts
lifetime = session
EOF2
write_pam_module "$FAULT_MODULE" debug

# fault POINT MODE WHEN WANT_RC: WHEN is "open" (NSISO_FAULT set for the whole
# login) or "close" (set by nsiso-pamh just before pam_close_session).
fault()
{
	local point mode when want tag rc st got
	point=$1
	mode=$2
	when=$3
	want=$4
	tag="$point-$mode-$when"
	case_start "fault $point:$mode at $when"
	rm -f "$STATE/$tag.ns"
	rc=0
	if [ "$when" = open ]; then
		NSISO_FAULT="$point:$mode" login "$tag" nsiso-k --ns-report "$STATE/$tag.ns" -- "$BIN/report" "$OUT/nsiso-k/$tag" || rc=$?
	else
		login "$tag" nsiso-k --ns-report "$STATE/$tag.ns" --close-env "NSISO_FAULT=$point:$mode" -- "$BIN/report" "$OUT/nsiso-k/$tag" || rc=$?
	fi
	expect_rc "$tag" "$rc" "$want" "$tag: the PAM caller's exit status is $want"
	st=$(set_state "$uid_k")
	case $st in
	none) pass "$tag: no half-made set is visible (no record; $(pins_of "$uid_k" | wc -l) stale pin mount(s))" ;;
	made) pass "$tag: no half-made set is visible (a committed set whose pins check out)" ;;
	*) fail "$tag: no half-made set is visible" "$st" ;;
	esac
	if [ "$mode" = error ] && [ "$when" = open ]; then
		is "$(sed -n 's/^open [0-9]* //p' "$STATE/$tag.ns")" "$SANDBOX_NS" \
			"$tag: the failed open left the caller in its own namespaces"
	fi
	if wait_no_pamh 5; then
		pass "$tag: no nsiso-pamh process (caller or child) is left"
	else
		fail "$tag: no nsiso-pamh process (caller or child) is left" "$(pamh_procs)"
	fi
	empty "$(foreign_procs)" "$tag: no process is left outside the sandbox's namespaces"

	# The next login, no fault.
	bg_session "n-$tag" nsiso-k ":"
	if ! wait_ready "n-$tag" nsiso-k; then
		fail "$tag: the next login succeeds" "$(cat "$STATE/n-$tag.err")"
		finish "n-$tag"
		return
	fi
	pass "$tag: the next login succeeds"
	got=$(fact nsiso-k "n-$tag" ns)
	for k in 1 2 3; do
		ns=$(echo mnt ipc uts | cut -d' ' -f$k)
		isnt "$(field $k "$got")" "$(field $k "$SANDBOX_NS")" "$tag: next login's $ns namespace is the set's, not the sandbox's"
	done
	is "$(fact nsiso-k "n-$tag" mnt_tmp | cut -d' ' -f1)" tmpfs "$tag: next login's /tmp is a tmpfs"
	is "$(set_state "$uid_k")" made "$tag: next login's set record and pins check out"
	is "$(set_ns "$uid_k")" "$got" "$tag: the pins hold the set the next login is in"
	is "$(all_pins | wc -l)" 3 "$tag: exactly three pins under /run/nsiso (no stale one left)"
	finish "n-$tag"
	expect_rc "n-$tag" "$RC" 0 "$tag: the next session closes"
	is "$(set_state "$uid_k"):$(all_pins | wc -l)" "none:0" "$tag: its close tears the set down (no record, no pin)"
	empty "$(mountinfo_refs "$got")" "$tag: no mount table holds a pin of that set"
	# Whatever the fault left (a stale mnt pin file without its mount, a set.new) must not matter.
}

# Creation, in the child.
fault create.child.unshared kill open 3
fault create.child.unshared error open 3
fault create.child.built kill open 3
fault create.child.built error open 3
# Creation, in the caller.
fault create.pinned.mnt kill open 137
fault create.pinned.mnt error open 3
fault create.commit kill open 137
fault create.commit error open 3
# Stale-pin clean-up before a creation (tear-down path at open).
fault teardown.unrecorded kill open 137
fault teardown.unrecorded error open 3
# Session record and join.
fault open.recorded kill open 137
fault open.recorded error open 3
fault join.partial kill open 137
fault join.partial error open 3
# Tear-down at close (the caller sits inside the set: the unmounts run in a child).
fault teardown.unrecorded kill close 137
fault teardown.unrecorded error close 4
fault teardown.child kill close 4
fault teardown.child error close 4

# No pidfd namespace ioctls (Linux < 6.11): the caller's own namespaces come from
# /proc/self/ns instead, for a creation, a join and the tear-down at close.
case_start "nsfds.pidfd:error: every pidfd ioctl fails, /proc/self/ns serves"
rc=0
NSISO_FAULT=nsfds.pidfd:error login pf1 nsiso-k --ns-report "$STATE/pf1.ns" -- "$BIN/report" "$OUT/nsiso-k/pf1" || rc=$?
expect_rc pf1 "$rc" 0 "without pidfd ioctls: a first login opens and closes"
pf1=$(fact nsiso-k pf1 ns)
isnt "$(field 1 "$pf1")" "$(field 1 "$SANDBOX_NS")" "without pidfd ioctls: the first login ran in a set of its own"
is "$(sed -n 's/^open 0 //p' "$STATE/pf1.ns")" "$pf1" "without pidfd ioctls: the PAM caller itself was moved into that set"
is "$(set_state "$uid_k"):$(all_pins | wc -l)" "none:0" "without pidfd ioctls: the close tore the set down"
bg_session pf2 nsiso-k ":"
if wait_ready pf2 nsiso-k; then
	rc=0
	NSISO_FAULT=nsfds.pidfd:error login pf3 nsiso-k -- "$BIN/report" "$OUT/nsiso-k/pf3" || rc=$?
	expect_rc pf3 "$rc" 0 "without pidfd ioctls: a second, concurrent login opens"
	is "$(fact nsiso-k pf3 ns)" "$(fact nsiso-k pf2 ns)" "without pidfd ioctls: it joins the live set (same mnt/ipc/uts)"
else
	fail "without pidfd ioctls: the holding session comes up" "$(cat "$STATE/pf2.err")"
fi
finish pf2

done_testing
