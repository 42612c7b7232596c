#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Tampered pins, inside the keeper (the mount namespace that holds every pin,
# registry v2; tampered through build/nsiso-keeper): a pin unmounted and
# replaced by a regular file, a FIFO, a symlink (to /var/tmp, to another
# user's pins), a namespace of the wrong type, a stack of two mounts (the
# sandbox's namespace or another user's pin on top), another user's pins
# bound over one's own, and the pin directory /<uid> replaced by a symlink to
# another user's or by a file. For each, the next login:
#   - ends in bounded time (no hang on a FIFO);
#   - never joins what a tampered pin points to (the PAM caller's own
#     /proc/self/ns right after pam_open_session);
#   - rebuilds (a new, working set whose pins are exactly one nsfs mount each
#     in the keeper's table, the record naming them) or refuses;
#   - follows no symlink: the other user's pins are still in the keeper, one
#     mount each, holding the other user's set, and the host's mount table is
#     as it was.
. "$(dirname "$0")/lib.sh"
setup
need_module
need_keeper_tool

add_user nsiso-a
add_user nsiso-b
uid_a=$(uid_of nsiso-a)
uid_b=$(uid_of nsiso-b)
LOGIN_TIMEOUT=$((30 * TIME_FACTOR))
LIMIT=$((10 * TIME_FACTOR))
write_policy <<EOF2
[global]
namespaces = mnt, ipc, uts
lifetime = boot
EOF2
write_pam debug

# host_mounts: the sandbox's (host's) mount table, without mount ids.
host_mounts()
{
	findmnt -rn -o TARGET,SOURCE,FSTYPE,OPTIONS | LC_ALL=C sort
}

# fresh_set USER TAG: make USER's set anew (boot lifetime) and hold its namespaces
# (so no inode number can be reused); sets FRESH to "MNT IPC UTS".
fresh_set()
{
	local user tag uid
	user=$1
	tag=$2
	uid=$(uid_of "$user")
	unhold_ns "$tag"
	keeper_clear "$uid"
	rm -f "/run/nsiso/users/$uid/set"
	bg_session "$tag" "$user" ":"
	wait_ready "$tag" "$user" || bail "$user's session $tag did not come up" "$(cat "$STATE/$tag.err")"
	hold_ns "$tag" "$(session_pid "$user" "$tag")"
	finish "$tag"
	[ "$(set_state "$uid")" = made ] || bail "$user's set is not made after $tag: $(set_state "$uid")"
	FRESH=$(fact "$user" "$tag" ns)
}

# b_intact LABEL: nsiso-b's pins are untouched (nothing followed a symlink to them).
b_intact()
{
	is "$(set_state "$uid_b")" made "$1: nsiso-b's record and pins (one mount each in the keeper) still check out"
	is "$(set_ns "$uid_b")" "$setB" "$1: nsiso-b's pins still hold nsiso-b's set"
	is "$(stat -L -c %i "/proc/$HOLDER/root/$uid_b/ipc" 2>&1)" "$(field 2 "$setB")" \
		"$1: /proc/HOLDER/root/$uid_b/ipc (the keeper's tree) is nsiso-b's ipc namespace"
}

# after_tamper LABEL FORBIDDEN...: log nsiso-a in; each FORBIDDEN "MNT IPC UTS"
# (the tampered pins' targets) must not be joined, in any of the three.
after_tamper()
{
	local label got rc start end f k ns mounts_before
	label=$1
	shift
	mounts_before=$(host_mounts)
	start=$(date +%s)
	report_login "$label" nsiso-a --ns-report "$STATE/$label.ns"
	end=$(date +%s)
	rc=$RC
	[ $((end - start)) -le $LIMIT ] && pass "$label: the login ended in $((end - start)) s (exit $rc)" ||
		fail "$label: the login ended in $((end - start)) s (at most $LIMIT; exit $rc)"
	got=$(sed -n 's/^open [0-9]* //p' "$STATE/$label.ns")
	for f in "$@"; do
		for k in $(seq "$NSISO_TEST_NS_N"); do
			ns=$(ns_name $k)
			isnt "$(field $k "$got")" "$(field $k "$f")" "$label: the caller's $ns namespace is not the tampered pin's target ($(field $k "$f"))"
		done
	done
	case $rc in
	0)
		pass "$label: rebuilt (exit 0)"
		for k in $(seq "$NSISO_TEST_NS_N"); do
			ns=$(ns_name $k)
			isnt "$(field $k "$got")" "$(field $k "$SANDBOX_NS")" "$label: rebuilt set's $ns namespace is a new one"
		done
		is "$(fact nsiso-a "$label" ns)" "$got" "$label: the user's command ran in the caller's (new) set"
		is "$(set_state "$uid_a")" made "$label: the new set's record and pins check out (one nsfs mount per pin in the keeper)"
		is "$(set_ns "$uid_a")" "$got" "$label: the pins hold the set the caller joined"
		is "$(adv_pins_of "$uid_a" | LC_ALL=C sort | paste -sd ' ' -)" "/$uid_a/ipc /$uid_a/mnt /$uid_a/uts" \
			"$label: the keeper holds exactly nsiso-a's three pins (nothing of the tampering left)"
		is "$(fact nsiso-a "$label" mnt_tmp | cut -d' ' -f1)" tmpfs "$label: /tmp in the new set is a tmpfs"
		;;
	3)
		pass "$label: refused (exit 3)"
		is "$got" "$SANDBOX_NS" "$label: the refused caller stays in the sandbox's namespaces"
		;;
	*)
		fail "$label: exit 0 (rebuilt) or 3 (refused), got $rc"
		diag_file "$STATE/$label.err"
		;;
	esac
	b_intact "$label"
	is "$(host_mounts)" "$mounts_before" "$label: the host's mount table is as it was"
	empty "$(host_stray_pins)" "$label: the host's table holds no pin (only /run/nsiso/keeper)"
	empty "$(pamh_procs | grep -- "--user nsiso-a" || true)" "$label: no nsiso-pamh process of nsiso-a left"
}

fresh_set nsiso-a a0
setA=$FRESH
fresh_set nsiso-b b0
setB=$FRESH
isnt "$setA" "$setB" "nsiso-a and nsiso-b have different sets"
keeper_hold pins
is "$(stat -L -c %i "/proc/$HOLDER/root/$uid_a/ipc" "/proc/$HOLDER/root/$uid_b/ipc" | paste -sd ' ' -)" \
	"$(field 2 "$setA") $(field 2 "$setB")" "control: the holder's /proc/PID/root shows both ipc pins in the keeper"
is "$(host_nsfs)" /run/nsiso/keeper "control: the host's table holds one nsfs mount, the keeper's pin"

case_start "ipc pin replaced by a regular file (with content)"
keeper umount "/$uid_a/ipc"
keeper write "/$uid_a/ipc" "not a namespace"
after_tamper pin-regular-file "$setA"

case_start "ipc pin replaced by a FIFO"
fresh_set nsiso-a a1
setA=$FRESH
keeper umount "/$uid_a/ipc"
keeper rm "/$uid_a/ipc"
keeper mkfifo "/$uid_a/ipc"
is "$(stat -c %F "/proc/$HOLDER/root/$uid_a/ipc")" fifo "pin-fifo: the ipc pin is a FIFO now"
after_tamper pin-fifo "$setA"

case_start "ipc pin replaced by a symlink to /var/tmp (a mount point of the host)"
fresh_set nsiso-a a2
setA=$FRESH
keeper umount "/$uid_a/ipc"
keeper rm "/$uid_a/ipc"
keeper symlink /var/tmp "/$uid_a/ipc"
after_tamper pin-symlink-vartmp "$setA"

case_start "every pin replaced by a (relative) symlink to nsiso-b's pin, ../<uid b>/NS"
fresh_set nsiso-a a3
setA=$FRESH
for ns in $NSISO_TEST_NS; do
	keeper umount "/$uid_a/$ns"
	keeper rm "/$uid_a/$ns"
	keeper symlink "../$uid_b/$ns" "/$uid_a/$ns"
done
is "$(stat -L -c %i "/proc/$HOLDER/root/$uid_a/ipc")" "$(field 2 "$setB")" "pin-symlink-other: a's ipc pin now leads to b's ipc namespace"
after_tamper pin-symlink-other "$setA" "$setB"

case_start "ipc pin replaced by a namespace of the wrong type (the sandbox's uts)"
fresh_set nsiso-a a4
setA=$FRESH
keeper umount "/$uid_a/ipc"
keeper bind /proc/1/ns/uts "/$uid_a/ipc" || bail "cannot bind a uts namespace onto the ipc pin"
after_tamper pin-wrong-type "$setA" "$SANDBOX_NS"

case_start "mnt pin replaced by an ipc namespace (wrong type)"
fresh_set nsiso-a a5
setA=$FRESH
keeper umount "/$uid_a/mnt"
keeper bind /proc/1/ns/ipc "/$uid_a/mnt" || bail "cannot bind an ipc namespace onto the mnt pin"
after_tamper mnt-pin-wrong-type "$setA" "$SANDBOX_NS"

case_start "a second mount stacked on the uts pin (the sandbox's uts namespace on top)"
fresh_set nsiso-a a6
setA=$FRESH
keeper bind /proc/1/ns/uts "/$uid_a/uts" || bail "cannot stack a mount on the uts pin"
is "$(adv_pins_of "$uid_a" | grep -cx "/$uid_a/uts")" 2 "pin-stacked: two mounts on the uts pin in the keeper now"
after_tamper pin-stacked "$setA" "$SANDBOX_NS"

case_start "nsiso-b's ipc pin stacked on nsiso-a's (b's on top)"
fresh_set nsiso-a a7
setA=$FRESH
keeper bind "/proc/$HOLDER/root/$uid_b/ipc" "/$uid_a/ipc" || bail "cannot stack b's ipc pin on a's"
is "$(stat -L -c %i "/proc/$HOLDER/root/$uid_a/ipc")" "$(field 2 "$setB")" "pin-stacked-other: a's ipc pin shows b's namespace on top"
after_tamper pin-stacked-other "$setA" "$setB"

case_start "every pin of nsiso-a replaced by nsiso-b's (bound from /proc/HOLDER/root)"
fresh_set nsiso-a a8
setA=$FRESH
for ns in ipc uts; do
	keeper umount "/$uid_a/$ns"
	keeper bind "/proc/$HOLDER/root/$uid_b/$ns" "/$uid_a/$ns" || bail "cannot bind b's $ns pin"
done
keeper umount "/$uid_a/mnt"
keeper bind "/proc/$HOLDER/root/$uid_b/mnt" "/$uid_a/mnt" 2>"$STATE/bindmnt.err" ||
	diag "binding b's mnt pin onto a's failed (kernel ordering check); a's mnt pin stays empty" "$(cat "$STATE/bindmnt.err")"
after_tamper pins-of-other-user "$setA" "$setB"

case_start "only the mnt pin of nsiso-a replaced by nsiso-b's (ipc and uts still a's own)"
fresh_set nsiso-a a9
setA=$FRESH
keeper umount "/$uid_a/mnt"
if keeper bind "/proc/$HOLDER/root/$uid_b/mnt" "/$uid_a/mnt" 2>"$STATE/bindmnt2.err"; then
	is "$(stat -L -c %i "/proc/$HOLDER/root/$uid_a/mnt")" "$(field 1 "$setB")" "mnt-pin-of-other-user: a's mnt pin now holds b's mount namespace"
	after_tamper mnt-pin-of-other-user "$setA" "$setB"
else
	cannot "mnt-pin-of-other-user" "the kernel refused to bind b's mount namespace here: $(cat "$STATE/bindmnt2.err")"
fi

case_start "pin directory /<uid a> replaced by a symlink to nsiso-b's (/<uid b>)"
fresh_set nsiso-a a10
setA=$FRESH
keeper_clear "$uid_a"
keeper symlink "/$uid_b" "/$uid_a"
is "$(stat -c %F "/proc/$HOLDER/root/$uid_a")" "symbolic link" "pindir-symlink: /$uid_a in the keeper is a symlink now"
after_tamper pindir-symlink "$setA" "$setB"
keeper rm "/$uid_a" 2>/dev/null
# b's set may have been destroyed through the symlink: give it back for the next cases.
[ "$(set_state "$uid_b")" = made ] || {
	fresh_set nsiso-b b1
	setB=$FRESH
}

case_start "pin directory /<uid a> replaced by a regular file"
fresh_set nsiso-a a11
setA=$FRESH
keeper_clear "$uid_a"
keeper write "/$uid_a" "not a directory"
after_tamper pindir-file "$setA"
keeper rm "/$uid_a" 2>/dev/null

case_start "nsiso-b's set survived all of it"
is "$(set_state "$uid_b")" made "nsiso-b's record and pins still check out"
is "$(set_ns "$uid_b")" "$setB" "nsiso-b's pins still hold nsiso-b's set"
report_login bend nsiso-b
expect_rc bend "$RC" 0 "nsiso-b logs in"
is "$(fact nsiso-b bend ns)" "$setB" "nsiso-b joins its own set"
empty "$(keeper_procs)" "no process but the tests' holder is in the keeper"
keeper_unhold pins

done_testing
