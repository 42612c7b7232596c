#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The set's pins live in the keeper's mount table only (registry v2): while
# the set lives, no other mount table holds one of them (not the sandbox's,
# which holds exactly one nsfs mount of pam_nsiso, the keeper's pin; not
# mount namespaces created after the set by something else: a "service" made
# with unshare --mount and slave, shared, unchanged or private propagation, a
# user's own unprivileged mount namespace started inside the set, another
# user's set). After the tear-down, no mount table on the machine
# (/proc/*/mountinfo and the keeper's) holds one.
. "$(dirname "$0")/lib.sh"
setup
need_module
need_keeper_tool

add_user nsiso-d
add_user nsiso-e
uid_d=$(uid_of nsiso-d)
uid_e=$(uid_of nsiso-e)
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
is "$(machine_refs "$set_d" | grep -c '^keeper: ')" 3 "the keeper's table holds the set's three pins"
empty "$(machine_refs "$set_d" | grep -v '^keeper: ' || true)" "no process's mount table holds one of them"
is "$(host_nsfs)" /run/nsiso/keeper "the sandbox's table holds one nsfs mount: the keeper's pin"

case_start "mount namespaces created while the set exists"
for prop in slave shared unchanged private; do
	unshare --mount --propagation $prop sleep 300 </dev/null >/dev/null 2>&1 &
	echo $! >"$STATE/svc-$prop.pid"
	echo $! >>"$STATE/allowed.pids"
done
sleep 0.5
for prop in slave shared unchanged private; do
	p=$(cat "$STATE/svc-$prop.pid")
	is "$(machine_refs "$set_d" | grep -c "^/proc/$p/mountinfo:")" 0 "a $prop service namespace holds no pin of the set"
	is "$(grep -c nsfs "/proc/$p/mountinfo")" 0 "a $prop service namespace has no nsfs mount at all (the keeper's pin is not copied)"
done
userns_pid=$(cat "$OUT/nsiso-d/userns.pid" 2>/dev/null)
if [ -n "$userns_pid" ] && [ -e "/proc/$userns_pid" ]; then
	echo "$userns_pid" >>"$STATE/allowed.pids"
	is "$(grep -c nsfs "/proc/$userns_pid/mountinfo")" 0 "the user's own mount namespace (inside the set) has no pin at all"
else
	cannot "the user's own mount namespace inside the set" "unshare -Urm did not start (unprivileged user namespaces off?)"
fi
bg_session e1 nsiso-e ":"
wait_ready e1 nsiso-e || bail "nsiso-e's session did not come up" "$(cat "$STATE/e1.err")"
set_e=$(fact nsiso-e e1 ns)
is "$(set_state "$uid_e")" made "another user's set is made while nsiso-d's exists"
is "$(grep -c nsfs "$OUT/nsiso-e/e1/mountinfo")" 0 "the other user's set holds no pin (registry hidden in every set)"
is "$(grep -c nsfs "$OUT/nsiso-d/d1/mountinfo")" 0 "nsiso-d's own set holds no pin"
is "$(host_nsfs)" /run/nsiso/keeper "with two live sets, the sandbox's table still holds one nsfs mount"
is "$(keeper_pins | wc -l)" 6 "the keeper holds both sets' pins, three each"

case_start "tear-down"
finish d1
expect_rc d1 "$RC" 0 "nsiso-d's session closes (lifetime session: tear-down)"
is "$(set_state "$uid_d")" none "no set record"
empty "$(adv_pins_of "$uid_d")" "no pin of nsiso-d in the keeper"
empty "$(machine_refs "$set_d")" \
	"no mount table on the machine holds a pin of the set (the keeper's, the sandbox's, services slave/shared/unchanged/private, user ns, other set)"
for prop in slave shared unchanged private; do
	p=$(cat "$STATE/svc-$prop.pid")
	is "$(grep -c nsfs "/proc/$p/mountinfo" 2>/dev/null)" 0 "the $prop service's mount table has no nsfs mount"
done
is "$(set_state "$uid_e")" made "the other user's set is untouched"
finish e1
expect_rc e1 "$RC" 0 "nsiso-e's session closes"
empty "$(machine_refs "$set_e")" "no mount table on the machine holds a pin of the other set either"
empty "$(keeper_pins)" "the keeper holds no pin"
empty "$(keeper_procs)" "no process is in the keeper"
empty "$(pamh_procs)" "no nsiso-pamh process left"

done_testing
