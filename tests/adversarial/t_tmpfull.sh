#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# tmpfs full: tmp_size = 1M; the user fills /tmp (and /dev/shm) in the set.
# Only the set sees ENOSPC: the sandbox's own /tmp keeps its free space and
# takes writes, further logins (joins) and logouts of the user work, another
# user is unaffected, and the set is torn down as usual.
. "$(dirname "$0")/lib.sh"
setup
need_module

add_user nsiso-f
add_user nsiso-g
uid_f=$(uid_of nsiso-f)
write_policy <<EOF2
[global]
namespaces = mnt, ipc, uts
tmp_size = 1M
EOF2
write_pam debug

host_tmp_before=$(df -k --output=used /tmp | tail -n 1 | tr -d ' ')

bg_session f1 nsiso-f "dd if=/dev/zero of=/tmp/fill bs=64k count=64 2>$OUT/nsiso-f/dd.err; echo \$? >$OUT/nsiso-f/dd.rc
dd if=/dev/zero of=/dev/shm/fill bs=64k count=64 2>$OUT/nsiso-f/dd-shm.err; echo \$? >$OUT/nsiso-f/dd-shm.rc
df -k --output=avail /tmp | tail -n 1 | tr -d ' ' >$OUT/nsiso-f/avail"
wait_ready f1 nsiso-f || bail "nsiso-f's session did not come up" "$(cat "$STATE/f1.err")"
set_f=$(fact nsiso-f f1 ns)

case_start "the set's /tmp fills up"
isnt "$(cat "$OUT/nsiso-f/dd.rc")" 0 "writing 4 MiB into the set's /tmp fails"
ok_cmd "... with ENOSPC (No space left on device)" grep -q "No space left on device" "$OUT/nsiso-f/dd.err"
is "$(cat "$OUT/nsiso-f/avail")" 0 "the set's /tmp has 0 KiB available"
isnt "$(cat "$OUT/nsiso-f/dd-shm.rc")" 0 "the set's /dev/shm fills up too (it takes tmp_size)"
pid_f=$(session_pid nsiso-f f1)
is "$(stat -c %s "/proc/$pid_f/root/tmp/fill")" 1048576 "the set's /tmp holds exactly 1 MiB (its size)"

case_start "outside the set"
is "$(df -k --output=used /tmp | tail -n 1 | tr -d ' ')" "$host_tmp_before" "the sandbox's /tmp usage is unchanged"
ok_cmd "the sandbox's /tmp still takes a 4 MiB write" dd if=/dev/zero of=/tmp/host-fill bs=64k count=64
rm -f /tmp/host-fill
no_cmd "the sandbox's /tmp does not have the set's file" test -e /tmp/fill

case_start "logins and logouts still work"
report_login f2 nsiso-f
expect_rc f2 "$RC" 0 "a second login of nsiso-f (a join) opens and closes"
is "$(fact nsiso-f f2 ns)" "$set_f" "... into the same (full) set"
report_login g1 nsiso-g
expect_rc g1 "$RC" 0 "another user logs in and out"
RC=0
out=$(login g2 nsiso-g -- sh -c 'dd if=/dev/zero of=/tmp/g bs=64k count=8 2>/dev/null && stat -c %s /tmp/g') || RC=$?
is "$RC:$out" "0:524288" "the other user's /tmp takes a 512 KiB write"
finish f1
expect_rc f1 "$RC" 0 "the full session closes"
empty "$(pins_of "$uid_f")" "the full set is torn down at the last close (no pin)"
empty "$(mountinfo_refs "$set_f")" "no mount table refers to the full set"

done_testing
