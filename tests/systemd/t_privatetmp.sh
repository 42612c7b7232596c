#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Services with PrivateTmp=yes (a mount namespace of their own, made by
# systemd) hold no pin of any user's set: no nsfs mount at all in their
# mount table (/proc/PID/mountinfo), whether the service was started before
# the first login (before the registry existed) or after two users' sets
# were made. A copy of a pin there would keep that user's namespaces alive
# after the set's tear-down and costs every such service a mount per set.
# Registry v2 (issue 11) keeps the pins in a keeper mount namespace: the
# first version's ipc/uts pins on a shared mount in PID 1's table were copied
# into every such service.
# shellcheck source=tests/systemd/lib.sh disable=SC3043
. "$(dirname "$0")/lib.sh"
sd_setup nsxsd1 nsxsd2
write_policy <<EOF
[global]
namespaces = mnt, ipc, uts
EOF
HOSTNS=$(ns_of 1)

# start_ptmp NAME: a PrivateTmp=yes system service; prints its main pid.
start_ptmp()
{
	local out pid i
	out=$(systemd-run --quiet --unit="$1" -p PrivateTmp=yes -p Type=exec sleep 600 2>&1) || {
		echo "systemd-run: $out" >&2
		return 1
	}
	i=0
	pid=0
	while [ "$pid" = 0 ] && [ "$i" -lt 100 ]; do
		pid=$(systemctl show -P MainPID "$1.service")
		i=$((i + 1))
		[ "$pid" != 0 ] || sleep 0.05
	done
	echo "$pid"
}

# check_ptmp WHEN PID: its own mount namespace, a private /tmp, no nsfs mount.
check_ptmp()
{
	isnt "$(field 1 "$(ns_of "$2")")" "$(field 1 "$HOSTNS")" "PrivateTmp service ($1): a mount namespace of its own"
	# systemd binds /tmp/systemd-private-*/tmp there: same device, another root.
	like "$(awk '$5 == "/tmp" { print $4 }' "/proc/$2/mountinfo" | tail -n 1)" '^/systemd-private-[^/]+/tmp$' \
		"PrivateTmp service ($1): its /tmp is systemd's private dir, not PID 1's /tmp"
	empty "$(nsfs_mounts "$2")" "PrivateTmp service ($1): no nsfs mount in its mount table (/proc/$2/mountinfo)"
}

before=$(start_ptmp nsxsd-ptmp-before) || bail "cannot start a PrivateTmp=yes service"
empty "$(nsfs_mounts "$before")" "PrivateTmp service (before the logins): no nsfs mount at its start"

session_start a1 nsxsd1 || bail "nsxsd1's ssh login did not come up"
session_start b1 nsxsd2 || bail "nsxsd2's ssh login did not come up"
set1=$(ns_of "$(session_pid a1)")
set2=$(ns_of "$(session_pid b1)")
isnt "$(field 1 "$set1")" "$(field 1 "$HOSTNS")" "nsxsd1 is in a set"
isnt "$(field 1 "$set2")" "$(field 1 "$set1")" "nsxsd2 is in another set"
# Registry v2: PID 1's table holds the keeper's pin, and the keeper the sets'
# pins; a mount namespace file is never copied into a new namespace.
is "$(nsfs_mounts 1 | awk '{ print $5 }')" "/run/nsiso/keeper" "PID 1's mount table holds one nsfs mount, the keeper's pin"
is "$("$TOP/build/nsiso-keeper" pins 2>/dev/null | wc -l)" "6" "the keeper holds both sets' pins (mnt, ipc, uts each)"

after=$(start_ptmp nsxsd-ptmp-after) || bail "cannot start a PrivateTmp=yes service"
check_ptmp "started before the logins" "$before"
check_ptmp "started after the logins" "$after"

for t in a1 b1; do
	session_end "$t"
	is "$RC" 0 "ssh session $t ends with exit status 0"
done
systemctl stop nsxsd-ptmp-before.service nsxsd-ptmp-after.service

done_testing
