#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Faults (the fault-injection build, make fault-build): at every step of
# registry set-up, keeper pinning, creation, join and tear-down, SIGKILL of
# the process that runs that step (the PAM caller itself: creation and
# tear-down no longer fork, except the tear-down of a multithreaded caller)
# and an error return. After each:
#   - the PAM caller's exit status is the one that step implies;
#   - no half-made set is visible: either no set record (pins left without
#     one are stale), or a record whose every pin checks out in the keeper;
#   - an error return at open leaves the caller exactly where it started:
#     its mnt/ipc/uts/net namespaces, its working directory (a directory that
#     exists only in the host: the set's /tmp is its own) and its root, by
#     device and inode (join.partial proves the rollback of a half-done join),
#     and no pin in the keeper; a failed close leaves it where it was;
#   - the host's nsfs mount count is unchanged;
#   - no nsiso-pamh process (caller or child), no process outside the
#     sandbox's namespaces and none in the keeper is left;
#   - the next login, without faults, succeeds in a good set (new
#     namespaces, /tmp a tmpfs, record and pins check out, exactly three pins
#     in the keeper), and its close tears that set down completely (no pin in
#     any mount table on the machine, the keeper's included).
. "$(dirname "$0")/lib.sh"
setup
need_fault_module
need_keeper_tool

add_user nsiso-k
uid_k=$(uid_of nsiso-k)
write_policy <<EOF2
[global]
namespaces = mnt, ipc, uts
lifetime = session
EOF2
write_pam_module "$FAULT_MODULE" debug
# A working directory only the host has (sets get a /tmp of their own).
CWD=/tmp/adv-cwd
mkdir -m 0755 "$CWD"

# prepare fresh|lost|-: no registry at all (registry.setup and keeper.pin run
# only when one is made), the keeper's pin lost (an administrator's umount -l),
# or the registry as the last login left it.
prepare()
{
	local m
	case $1 in
	fresh)
		for m in $(findmnt -rn -o TARGET | grep '^/run/nsiso\(/\|$\)' | sort -r); do
			umount -l "$m"
		done
		rm -rf /run/nsiso
		;;
	lost)
		if keeper_pinned; then umount -l /run/nsiso/keeper; fi
		;;
	esac
}

# same_place TAG FILE A B: the caller's namespaces, cwd and root at A and B
# (--proc-report lines) are the same.
same_place()
{
	local tag file k
	tag=$1
	file=$2
	for k in ns cwd root; do
		is "$(report_field "$file" "$4" $k)" "$(report_field "$file" "$3" $k)" "$tag: the caller's $k at $4 is the one it had at $3"
	done
}

# fault POINT MODE WHEN WANT_RC [PREP [PAMH OPTIONS...]]: WHEN is "open"
# (NSISO_FAULT set for the whole login) or "close" (set by nsiso-pamh just
# before pam_close_session).
fault()
{
	local point mode when want prep tag rc st got nsfs_before pr
	point=$1
	mode=$2
	when=$3
	want=$4
	prep=${5:--}
	shift 4
	[ $# = 0 ] || shift
	tag="$point-$mode-$when"
	[ "$prep" = - ] || tag="$tag-$prep"
	[ $# = 0 ] || tag="$tag-mt"
	case_start "fault $point:$mode at $when$([ "$prep" = - ] || echo ", registry $prep")${1:+ (pamh $*)}"
	prepare "$prep"
	pr=$STATE/$tag.pr
	rm -f "$STATE/$tag.ns" "$pr"
	nsfs_before=$(host_nsfs | wc -l)
	rc=0
	if [ "$when" = open ]; then
		NSISO_FAULT="$point:$mode" login "$tag" nsiso-k --ns-report "$STATE/$tag.ns" --proc-report "$pr" \
			--cwd "$CWD" "$@" -- "$BIN/report" "$OUT/nsiso-k/$tag" || rc=$?
	else
		login "$tag" nsiso-k --ns-report "$STATE/$tag.ns" --proc-report "$pr" --cwd "$CWD" \
			--close-env "NSISO_FAULT=$point:$mode" "$@" -- "$BIN/report" "$OUT/nsiso-k/$tag" || rc=$?
	fi
	expect_rc "$tag" "$rc" "$want" "$tag: the PAM caller's exit status is $want"
	st=$(set_state "$uid_k")
	case $st in
	none) pass "$tag: no half-made set is visible (no record; $(adv_pins_of "$uid_k" | wc -l) stale pin(s) in the keeper)" ;;
	made) pass "$tag: no half-made set is visible (a committed set whose pins check out)" ;;
	*) fail "$tag: no half-made set is visible" "$st" ;;
	esac
	if [ "$mode" = error ] && [ "$when" = open ]; then
		same_place "$tag" "$pr" before open
		is "$(sed -n 's/^open [0-9]* //p' "$STATE/$tag.ns")" "$SANDBOX_NS" \
			"$tag: the failed open left the caller in the sandbox's namespaces"
		empty "$(keeper_pins)" "$tag: no pin is left in the keeper"
	fi
	if [ "$mode" = error ] && [ "$when" = close ]; then
		same_place "$tag" "$pr" open close
	fi
	is "$(host_nsfs | wc -l)" "$nsfs_before" "$tag: the host's nsfs mount count is unchanged ($nsfs_before)"
	empty "$(host_stray_pins)" "$tag: no pin in the host's table"
	if wait_no_pamh 5; then
		pass "$tag: no nsiso-pamh process (caller or child) is left"
	else
		fail "$tag: no nsiso-pamh process (caller or child) is left" "$(pamh_procs)"
	fi
	empty "$(foreign_procs)" "$tag: no process is left outside the sandbox's namespaces"
	empty "$(keeper_procs)" "$tag: no process is left in the keeper"

	# The next login, no fault.
	bg_session "n-$tag" nsiso-k ":"
	if ! wait_ready "n-$tag" nsiso-k; then
		fail "$tag: the next login succeeds" "$(cat "$STATE/n-$tag.err")"
		finish "n-$tag"
		return
	fi
	pass "$tag: the next login succeeds"
	got=$(fact nsiso-k "n-$tag" ns)
	for k in $(seq "$NSISO_TEST_NS_N"); do
		ns=$(ns_name $k)
		isnt "$(field $k "$got")" "$(field $k "$SANDBOX_NS")" "$tag: next login's $ns namespace is the set's, not the sandbox's"
	done
	is "$(fact nsiso-k "n-$tag" mnt_tmp | cut -d' ' -f1)" tmpfs "$tag: next login's /tmp is a tmpfs"
	is "$(set_state "$uid_k")" made "$tag: next login's set record and pins check out"
	is "$(set_ns "$uid_k")" "$got" "$tag: the pins hold the set the next login is in"
	is "$(all_pins | wc -l)" 3 "$tag: exactly three pins, all in the keeper (no stale one left)"
	is "$(host_nsfs)" /run/nsiso/keeper "$tag: the host's table holds the keeper's pin only"
	finish "n-$tag"
	expect_rc "n-$tag" "$RC" 0 "$tag: the next session closes"
	is "$(set_state "$uid_k"):$(all_pins | wc -l)" "none:0" "$tag: its close tears the set down (no record, no pin)"
	empty "$(machine_refs "$got")" "$tag: no mount table on the machine (the keeper's included) holds a pin of that set"
}

# Registry set-up and the keeper's pin: only when a registry or keeper is made.
fault registry.setup kill open 137 fresh
fault registry.setup error open 3 fresh
fault keeper.pin kill open 137 fresh
fault keeper.pin error open 3 fresh
fault keeper.pin error open 3 lost
# The stale-pin sweep before a creation (in the caller, visiting the keeper).
fault teardown.unrecorded kill open 137
fault teardown.unrecorded error open 3
fault teardown.child kill open 137
fault teardown.child error open 3
# Creation, in the caller (it unshares itself; its half-made namespaces).
fault create.child.unshared kill open 137
fault create.child.unshared error open 3
fault create.child.built kill open 137
fault create.child.built error open 3
# Pinning in the keeper, and the commit.
fault create.pinned.mnt kill open 137
fault create.pinned.mnt error open 3
fault create.commit kill open 137
fault create.commit error open 3
# Session record and join.
fault open.recorded kill open 137
fault open.recorded error open 3
fault join.partial kill open 137
fault join.partial error open 3
# Tear-down at close: the caller sits inside the set and visits the keeper itself.
fault teardown.unrecorded kill close 137
fault teardown.unrecorded error close 4
fault teardown.child kill close 137
fault teardown.child error close 4
# A multithreaded caller at close (setns refuses it): the tear-down runs in a child.
fault teardown.child kill close 4 - --close-threads 2
fault teardown.child error close 4 - --close-threads 2

case_start "control: a multithreaded caller at close, no fault: the tear-down child removes the pins"
rc=0
login mt0 nsiso-k --close-threads 3 -- /bin/true || rc=$?
expect_rc mt0 "$rc" 0 "a caller with 3 threads at close closes"
is "$(set_state "$uid_k"):$(all_pins | wc -l)" "none:0" "its close tore the set down (no record, no pin)"
empty "$(pamh_procs)" "no nsiso-pamh process (or tear-down child) left"

# A single-threaded caller's tear-downs (the stale-pin sweep before a creation,
# the close that ends the set) ask setns() whether the caller can visit the
# keeper: /proc/self/stat is read once per login, by the caller check, and
# never to choose between the caller and a child (as it was before issue 11's
# performance pass: three reads).
case_start "control: a single-threaded create and tear-down read /proc/self/stat once"
if ! command -v strace >/dev/null 2>&1; then
	cannot "a single-threaded tear-down reads /proc/self/stat no more" "no strace (APT_PKGS has it)"
else
	rc=0
	timeout -k 5 "$LOGIN_TIMEOUT" strace -f -qq -e trace=open,openat,openat2 -o "$STATE/st1.trace" \
		"$PAMH" --confdir "$PAMDIR" --service "$SERVICE" --user nsiso-k -- /bin/true \
		</dev/null 2>"$STATE/st1.err" || rc=$?
	expect_rc st1 "$rc" 0 "under strace: a first login (lifetime = session) opens and closes"
	is "$(set_state "$uid_k"):$(all_pins | wc -l)" "none:0" "under strace: its close tore the set down"
	is "$(grep -c '"/proc/self/stat"' "$STATE/st1.trace")" 1 \
		"/proc/self/stat opened once in the whole login (the caller check), not by the tear-downs"
	empty "$(pamh_procs)" "under strace: no nsiso-pamh process left"
fi

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
