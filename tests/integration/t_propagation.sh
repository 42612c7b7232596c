#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# propagation = slave (the default) | private, nsiso.conf(5):
#   slave:   the set's / is a slave of the host's peer group (master:N in the
#            session's mountinfo); a mount made on the host after the set was
#            created appears in a later session of the set;
#   private: the set's / has no master and no peer; the same host mount does
#            not appear;
#   both:    a mount made inside the set never appears on the host.
# The sandbox makes every mount private (unshare --propagation private), where
# a systemd host has them shared: this file makes the sandbox's mounts shared
# first, or slave and private could not be told apart.
. "$(dirname "$0")/lib.sh"
setup
need_module

mount --make-rshared / || bail "mount --make-rshared / failed"

add_user nsiso-s
add_user nsiso-p
uid_s=$(uid_of nsiso-s)
uid_p=$(uid_of nsiso-p)
write_policy <<EOF
[global]
namespaces = mnt, ipc, uts
lifetime = boot

[user:nsiso-p]
propagation = private
EOF
write_pam debug

P=$W/prop
mkdir -p "$P/late" "$P/inside"
chmod 0755 "$P" "$P/late" "$P/inside"

# peer_fields MOUNTINFO MOUNTPOINT: the optional fields (shared:N, master:N,
# ...) of the top mount on MOUNTPOINT, space-separated ("" when there are none).
peer_fields()
{
	awk -v mp="$2" '$5 == mp {
		o = ""
		for (i = 7; $i != "-"; i++)
			o = o " " $i
		top = substr(o, 2)
	}
	END { print top }' "$1"
}

# mounts_at MOUNTINFO MOUNTPOINT: "FSTYPE SOURCE" of each mount on MOUNTPOINT.
mounts_at()
{
	awk -v mp="$2" '$5 == mp {
		for (i = 7; $i != "-"; i++)
			;
		print $(i + 1), $(i + 2)
	}' "$1"
}

host_root=$(peer_fields /proc/self/mountinfo /)
like "$host_root" '^shared:[0-9]+$' "the sandbox's / is shared (as on a systemd host): $host_root"
like "$(peer_fields /proc/self/mountinfo /run)" '^shared:[0-9]+$' "the sandbox's /run is shared"

# ----------------------------------------------------------- the sets
report_login s1 nsiso-s
expect_rc s1 "$RC" 0 "nsiso-s (propagation slave, the default) logs in: set created"
report_login p1 nsiso-p
expect_rc p1 "$RC" 0 "nsiso-p (propagation = private) logs in: set created"
s1=$(fact nsiso-s s1 ns)
p1=$(fact nsiso-p p1 ns)
isnt "$(field 1 "$s1")" "$(field 1 "$SANDBOX_NS")" "nsiso-s has a mount namespace of its own"
isnt "$(field 1 "$p1")" "$(field 1 "$SANDBOX_NS")" "nsiso-p has a mount namespace of its own"

is "$(peer_fields "$OUT/nsiso-s/s1/mountinfo" /)" "master:${host_root#shared:}" \
	"slave: the set's / is a slave of the sandbox's / peer group (and no peer itself)"
is "$(peer_fields "$OUT/nsiso-p/p1/mountinfo" /)" "" \
	"private: the set's / has no master and no peer group"

# ----------------------------------------------------------- host -> set
mount -t tmpfs -o size=1m,mode=0755 nsiso-late "$P/late" || bail "mounting the late tmpfs on the host failed"
echo late-marker >"$P/late/f"

report_login s2 nsiso-s
expect_rc s2 "$RC" 0 "nsiso-s logs in again"
is "$(field 1 "$(fact nsiso-s s2 ns)")" "$(field 1 "$s1")" "nsiso-s: the second session is in the same set (mnt inode)"
is "$(mounts_at "$OUT/nsiso-s/s2/mountinfo" "$P/late")" "tmpfs nsiso-late" \
	"slave: a tmpfs mounted on the host after the set was made is in the set's mountinfo"
RC=0
out=$(login s2cat nsiso-s -- cat "$P/late/f") || RC=$?
is "$RC:$out" "0:late-marker" "slave: a session of the set reads the file on that tmpfs"

report_login p2 nsiso-p
expect_rc p2 "$RC" 0 "nsiso-p logs in again"
is "$(field 1 "$(fact nsiso-p p2 ns)")" "$(field 1 "$p1")" "nsiso-p: the second session is in the same set (mnt inode)"
is "$(mounts_at "$OUT/nsiso-p/p2/mountinfo" "$P/late")" "" \
	"private: the host's later tmpfs is not in the set's mountinfo"
RC=0
out=$(login p2cat nsiso-p -- cat "$P/late/f") || RC=$?
isnt "$RC:$out" "0:late-marker" "private: a session of the set cannot read the file on that tmpfs"

# ----------------------------------------------------------- set -> host
# Root mounts a tmpfs inside each set (through its pin), on a directory under
# the sandbox's shared /run. The pins are in the keeper (registry v2):
# reached through a process that sits there (keeper_root).
K=$(keeper_root)
for su in "s $uid_s" "p $uid_p"; do
	u=${su% *}
	uid=${su#* }
	RC=0
	out=$(nsenter --mount="$K/$uid/mnt" -- mount -t tmpfs -o size=1m "nsiso-inside-$u" "$P/inside" 2>&1) || RC=$?
	is "$RC:$out" "0:" "root mounts nsiso-inside-$u inside nsiso-$u's set (nsenter into its mnt pin)"
done
report_login s3 nsiso-s
expect_rc s3 "$RC" 0 "nsiso-s logs in a third time"
report_login p3 nsiso-p
expect_rc p3 "$RC" 0 "nsiso-p logs in a third time"
is "$(mounts_at "$OUT/nsiso-s/s3/mountinfo" "$P/inside")" "tmpfs nsiso-inside-s" \
	"slave: the mount made inside is in the set (a later session's mountinfo)"
is "$(mounts_at "$OUT/nsiso-p/p3/mountinfo" "$P/inside")" "tmpfs nsiso-inside-p" \
	"private: the mount made inside is in the set (a later session's mountinfo)"
is "$(mounts_at /proc/self/mountinfo "$P/inside")" "" \
	"neither mount made inside a set is on the host (the sandbox's mountinfo)"
# No process is left in either set now (lifetime boot, every session closed).
is "$(grep -l nsiso-inside /proc/[0-9]*/mountinfo 2>/dev/null)" "" \
	"no process in the sandbox has either mount in its mount table"
is "$(ls -A "$P/inside")" "" "the host's $P/inside is still an empty directory"

done_testing
