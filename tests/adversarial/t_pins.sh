#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Tampered pins. A pin replaced by a regular file, a FIFO, a symlink, a
# namespace of the wrong type, a stack of two mounts, or another user's pin
# (and the ns/<uid> directory replaced by a symlink to another user's): the
# next login never joins what the tampered pin points to (checked on the
# PAM caller's own /proc/self/ns right after pam_open_session), and the set
# is either rebuilt (a new, working set whose pins are exactly one mount
# each) or the login is refused, in bounded time. The other user's set is
# left intact.
. "$(dirname "$0")/lib.sh"
setup
need_module

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

# fresh_set USER TAG: make USER's set anew (boot lifetime) and hold its namespaces
# (so no inode number can be reused); sets FRESH to "MNT IPC UTS".
fresh_set()
{
	local user tag uid
	user=$1
	tag=$2
	uid=$(uid_of "$user")
	unhold_ns "$tag"
	for m in $(findmnt -rn -o TARGET | grep -E "^/run/nsiso/(mnt/$uid|ns/$uid/[a-z]+)\$" | sort -r); do
		umount -l "$m"
	done
	rm -rf "/run/nsiso/ns/$uid" "/run/nsiso/mnt/$uid" "/run/nsiso/users/$uid/set"
	bg_session "$tag" "$user" ":"
	wait_ready "$tag" "$user" || bail "$user's session $tag did not come up" "$(cat "$STATE/$tag.err")"
	hold_ns "$tag" "$(session_pid "$user" "$tag")"
	finish "$tag"
	[ "$(set_state "$uid")" = made ] || bail "$user's set is not made after $tag: $(set_state "$uid")"
	FRESH=$(fact "$user" "$tag" ns)
}

# after_tamper LABEL FORBIDDEN...: log nsiso-a in; each FORBIDDEN "MNT IPC UTS"
# (the tampered pins' targets) must not be joined, in any of the three.
after_tamper()
{
	local label got rc start end f k ns pinned
	label=$1
	shift
	start=$(date +%s)
	report_login "$label" nsiso-a --ns-report "$STATE/$label.ns"
	end=$(date +%s)
	rc=$RC
	[ $((end - start)) -le $LIMIT ] && pass "$label: the login ended in $((end - start)) s (exit $rc)" ||
		fail "$label: the login ended in $((end - start)) s (at most $LIMIT; exit $rc)"
	got=$(sed -n 's/^open [0-9]* //p' "$STATE/$label.ns")
	for f in "$@"; do
		for k in 1 2 3; do
			ns=$(echo mnt ipc uts | cut -d' ' -f$k)
			isnt "$(field $k "$got")" "$(field $k "$f")" "$label: the caller's $ns namespace is not the tampered pin's target ($(field $k "$f"))"
		done
	done
	case $rc in
	0)
		pass "$label: rebuilt (exit 0)"
		for k in 1 2 3; do
			ns=$(echo mnt ipc uts | cut -d' ' -f$k)
			isnt "$(field $k "$got")" "$(field $k "$SANDBOX_NS")" "$label: rebuilt set's $ns namespace is a new one"
		done
		is "$(fact nsiso-a "$label" ns)" "$got" "$label: the user's command ran in the caller's (new) set"
		is "$(set_state "$uid_a")" made "$label: the new set's record and pins check out (one mount per pin)"
		is "$(set_ns "$uid_a")" "$got" "$label: the pins hold the set the caller joined"
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
	empty "$(pamh_procs | grep -- "--user nsiso-a" || true)" "$label: no nsiso-pamh process of nsiso-a left"
}

fresh_set nsiso-a a0
setA=$FRESH
fresh_set nsiso-b b0
setB=$FRESH
isnt "$setA" "$setB" "nsiso-a and nsiso-b have different sets"

case_start "ipc pin replaced by a regular file (with content)"
umount -l "/run/nsiso/ns/$uid_a/ipc"
echo "not a namespace" >"/run/nsiso/ns/$uid_a/ipc"
after_tamper pin-regular-file "$setA"

case_start "ipc pin replaced by a FIFO"
fresh_set nsiso-a a1
setA=$FRESH
umount -l "/run/nsiso/ns/$uid_a/ipc"
rm -f "/run/nsiso/ns/$uid_a/ipc"
mkfifo -m 0600 "/run/nsiso/ns/$uid_a/ipc"
after_tamper pin-fifo "$setA"

case_start "ipc pin replaced by a symlink to another user's live namespace"
fresh_set nsiso-a a2
setA=$FRESH
bg_session bh nsiso-b ":"
wait_ready bh nsiso-b || bail "nsiso-b's session did not come up"
pid_b=$(session_pid nsiso-b bh)
umount -l "/run/nsiso/ns/$uid_a/ipc"
rm -f "/run/nsiso/ns/$uid_a/ipc"
ln -s "/proc/$pid_b/ns/ipc" "/run/nsiso/ns/$uid_a/ipc"
after_tamper pin-symlink "$setA" "$setB"
finish bh

case_start "mnt and uts pins replaced by symlinks to mount points (/var/tmp, /dev/shm): the clean-up must not unmount through them"
fresh_set nsiso-a a9
setA=$FRESH
mounts_before=$(findmnt -rn -o TARGET,SOURCE,FSTYPE --mountpoint /var/tmp; findmnt -rn -o TARGET,SOURCE,FSTYPE --mountpoint /dev/shm)
umount -l "/run/nsiso/mnt/$uid_a"
rm -f "/run/nsiso/mnt/$uid_a"
ln -s /var/tmp "/run/nsiso/mnt/$uid_a"
umount -l "/run/nsiso/ns/$uid_a/uts"
rm -f "/run/nsiso/ns/$uid_a/uts"
ln -s /dev/shm "/run/nsiso/ns/$uid_a/uts"
after_tamper pin-symlink-mountpoint "$setA"
is "$(findmnt -rn -o TARGET,SOURCE,FSTYPE --mountpoint /var/tmp; findmnt -rn -o TARGET,SOURCE,FSTYPE --mountpoint /dev/shm)" \
	"$mounts_before" "pin-symlink-mountpoint: the sandbox's /var/tmp and /dev/shm are still mounted"

case_start "ipc pin replaced by a namespace of the wrong type (the sandbox's uts)"
fresh_set nsiso-a a3
setA=$FRESH
umount -l "/run/nsiso/ns/$uid_a/ipc"
mount --bind /proc/1/ns/uts "/run/nsiso/ns/$uid_a/ipc" || bail "cannot bind a uts namespace onto the ipc pin"
after_tamper pin-wrong-type "$setA" "$SANDBOX_NS"

case_start "mnt pin replaced by an ipc namespace (wrong type)"
fresh_set nsiso-a a4
setA=$FRESH
umount -l "/run/nsiso/mnt/$uid_a"
mount --bind /proc/1/ns/ipc "/run/nsiso/mnt/$uid_a" || bail "cannot bind an ipc namespace onto the mnt pin"
after_tamper mnt-pin-wrong-type "$setA" "$SANDBOX_NS"

case_start "a second mount stacked on the uts pin (the sandbox's uts namespace on top)"
fresh_set nsiso-a a5
setA=$FRESH
mount --bind /proc/1/ns/uts "/run/nsiso/ns/$uid_a/uts" || bail "cannot stack a mount on the uts pin"
is "$(findmnt -rn -t nsfs -o TARGET | grep -cx "/run/nsiso/ns/$uid_a/uts")" 2 "pin-stacked: two mounts on the uts pin now"
after_tamper pin-stacked "$setA" "$SANDBOX_NS"

case_start "every pin of nsiso-a replaced by nsiso-b's pins"
fresh_set nsiso-a a6
setA=$FRESH
for ns in ipc uts; do
	umount -l "/run/nsiso/ns/$uid_a/$ns"
	mount --bind "/run/nsiso/ns/$uid_b/$ns" "/run/nsiso/ns/$uid_a/$ns" || bail "cannot bind b's $ns pin"
done
umount -l "/run/nsiso/mnt/$uid_a"
mount --bind "/run/nsiso/mnt/$uid_b" "/run/nsiso/mnt/$uid_a" 2>"$STATE/bindmnt.err" ||
	mount --bind "/proc/$(cat "$STATE/hold-b0.pid")/ns/mnt" "/run/nsiso/mnt/$uid_a" 2>>"$STATE/bindmnt.err" ||
	diag "binding b's mnt namespace onto a's mnt pin failed (kernel ordering check); a's mnt pin stays empty" "$(cat "$STATE/bindmnt.err")"
after_tamper pins-of-other-user "$setA" "$setB"

case_start "only the mnt pin of nsiso-a replaced by nsiso-b's (ipc and uts still a's own)"
fresh_set nsiso-a a7
setA=$FRESH
umount -l "/run/nsiso/mnt/$uid_a"
if mount --bind "/run/nsiso/mnt/$uid_b" "/run/nsiso/mnt/$uid_a" 2>"$STATE/bindmnt2.err"; then
	is "$(stat -L -c %i "/run/nsiso/mnt/$uid_a")" "$(field 1 "$setB")" "mnt-pin-of-other-user: a's mnt pin now holds b's mount namespace"
	after_tamper mnt-pin-of-other-user "$setA" "$setB"
else
	cannot "mnt-pin-of-other-user" "the kernel refused to bind b's mount namespace here: $(cat "$STATE/bindmnt2.err")"
fi

case_start "ns/<uid> directory of nsiso-a replaced by a symlink to nsiso-b's"
fresh_set nsiso-a a8
setA=$FRESH
for ns in ipc uts; do umount -l "/run/nsiso/ns/$uid_a/$ns"; done
rm -rf "/run/nsiso/ns/$uid_a"
ln -s "/run/nsiso/ns/$uid_b" "/run/nsiso/ns/$uid_a"
after_tamper nsdir-symlink "$setA" "$setB"
rm -f "/run/nsiso/ns/$uid_a"

case_start "nsiso-b's set survived all of it"
is "$(set_state "$uid_b")" made "nsiso-b's record and pins still check out"
is "$(set_ns "$uid_b")" "$setB" "nsiso-b's pins still hold nsiso-b's original set"
report_login bend nsiso-b
expect_rc bend "$RC" 0 "nsiso-b logs in"
is "$(fact nsiso-b bend ns)" "$setB" "nsiso-b joins its own original set"

done_testing
