#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# After tear-down, no mount table on the machine (/proc/*/mountinfo) holds
# one of the set's pins: not the sandbox's (the registry), not another
# user's set created later, and not mount namespaces created after the set
# by something else: a "service" made with unshare --mount and slave,
# shared, unchanged or private propagation, and a user's own unprivileged
# mount namespace started inside the set.
. "$(dirname "$0")/lib.sh"
setup
need_module

add_user nsiso-d
add_user nsiso-e
uid_d=$(uid_of nsiso-d)
write_policy <<EOF2
[global]
namespaces = mnt, ipc, uts
lifetime = session
EOF2
write_pam debug

bg_session d1 nsiso-d "unshare -Urm --propagation unchanged sleep 300 </dev/null >/dev/null 2>&1 &
echo \$! >$OUT/nsiso-d/userns.pid
sleep 0.3"
wait_ready d1 nsiso-d || bail "nsiso-d's session did not come up" "$(cat "$STATE/d1.err")"
set_d=$(fact nsiso-d d1 ns)
is "$(set_state "$uid_d")" made "nsiso-d has a set"
is "$(mountinfo_refs "$set_d" | grep -c "^/proc/1/mountinfo:")" 3 "the sandbox's mount table holds the set's three pins"

case_start "mount namespaces created while the set exists"
for prop in slave shared unchanged private; do
	unshare --mount --propagation $prop sleep 300 </dev/null >/dev/null 2>&1 &
	echo $! >"$STATE/svc-$prop.pid"
	echo $! >>"$STATE/allowed.pids"
done
sleep 0.5
for prop in slave shared unchanged private; do
	p=$(cat "$STATE/svc-$prop.pid")
	n=$(mountinfo_refs "$set_d" | grep -c "^/proc/$p/mountinfo:")
	is "$n" 2 "a $prop service namespace copied the ipc and uts pins (the kernel skips the mnt pin)"
done
userns_pid=$(cat "$OUT/nsiso-d/userns.pid" 2>/dev/null)
if [ -n "$userns_pid" ] && [ -e "/proc/$userns_pid" ]; then
	echo "$userns_pid" >>"$STATE/allowed.pids"
	is "$(grep -c nsfs "/proc/$userns_pid/mountinfo")" 0 "the user's own mount namespace (inside the set) has no pin at all"
else
	cannot "the user's own mount namespace inside the set" "unshare -Urm did not start (unprivileged user namespaces off?)"
fi
report_login e1 nsiso-e
expect_rc e1 "$RC" 0 "another user's set is made while nsiso-d's exists"
is "$(grep -c nsfs "$OUT/nsiso-e/e1/mountinfo")" 0 "the other user's set holds no pin (registry hidden in every set)"
is "$(grep -c nsfs "$OUT/nsiso-d/d1/mountinfo")" 0 "nsiso-d's own set holds no pin"

case_start "tear-down"
finish d1
expect_rc d1 "$RC" 0 "nsiso-d's session closes (lifetime session: tear-down)"
is "$(set_state "$uid_d")" none "no set record"
empty "$(pins_of "$uid_d")" "no pin in the registry"
empty "$(mountinfo_refs "$set_d")" \
	"no mount table on the machine holds a pin of the set (sandbox, services slave/shared/unchanged/private, user ns, other set)"
for prop in slave shared unchanged private; do
	p=$(cat "$STATE/svc-$prop.pid")
	is "$(grep -c nsfs "/proc/$p/mountinfo" 2>/dev/null)" 0 "the $prop service's mount table has no nsfs mount left"
done
empty "$(pamh_procs)" "no nsiso-pamh process left"

done_testing
