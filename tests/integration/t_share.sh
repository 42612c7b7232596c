#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Cases 1, 2, 3, 5: two concurrent sessions of one user share one set; another
# user shares nothing of it; the sandbox (the module's host) keeps its own /tmp,
# /dev/shm and IPC; no nsfs pin is visible inside a set, the host holds them.
. "$(dirname "$0")/lib.sh"
setup
need_module

add_user nsiso-a
add_user nsiso-b
uid_a=$(uid_of nsiso-a)
write_policy <<EOF
[global]
namespaces = mnt, ipc, uts
EOF
write_pam debug

# --- case 1: first session creates the set, keeps it open, leaves traces in it
bg_session a1 nsiso-a "echo from-a1 >/tmp/f
echo shm-a1 >/dev/shm/nsiso-f
ipcmk -Q | sed -n 's/^Message queue id: *//p' >$OUT/nsiso-a/a1.qid"
if ! wait_ready a1 nsiso-a; then
	finish a1
	fail "first session of nsiso-a did not come up" "exit status: $RC"
	diag_file "$STATE/a1.err"
	done_testing
fi
a1=$(fact nsiso-a a1 ns)
qid=$(cat "$OUT/nsiso-a/a1.qid")
for i in $(seq "$NSISO_TEST_NS_N"); do
	ns=$(ns_name $i)
	isnt "$(field $i "$a1")" "$(field $i "$SANDBOX_NS")" "session 1 of nsiso-a: $ns namespace differs from the sandbox's"
done
isnt "$qid" "" "session 1 of nsiso-a created a SysV message queue (ipcmk -Q)"

report_login a2 nsiso-a
expect_rc a2 "$RC" 0 "session 2 of nsiso-a (concurrent) opens"
a2=$(fact nsiso-a a2 ns)
is "$a2" "$a1" "session 2 of nsiso-a: same mnt/ipc/uts inodes as session 1"
# O_CLOEXEC: the module's registry, namespace, pidfd and policy descriptors stay
# with the PAM caller, never reach the user's command.
like "$(fact nsiso-a a2 fds)" "^0 " "session 2 of nsiso-a: its command's descriptors were listed"
empty "$(fact nsiso-a a2 fds | grep -E '(mnt|ipc|uts|net):\[|pidfd|/run/nsiso(/|$)|nsiso\.conf')" \
	"session 2 of nsiso-a: its command inherits no descriptor of the module (nsfs, pidfd, registry, policy)"
is "$(fact nsiso-a a2 tmp_f)" "from-a1" "session 2 of nsiso-a sees session 1's /tmp/f"
is "$(fact nsiso-a a2 shm_f)" "shm-a1" "session 2 of nsiso-a sees session 1's /dev/shm file"
ok_cmd "session 2 of nsiso-a sees session 1's queue (msqid $qid) in ipcs -q" \
	grep -qx "$qid" "$OUT/nsiso-a/a2/msqids"
is "$(ns_of $$)" "$SANDBOX_NS" "the test shell is still in the sandbox's namespaces"

# --- case 2: another user
report_login b1 nsiso-b
expect_rc b1 "$RC" 0 "nsiso-b's session opens"
b1=$(fact nsiso-b b1 ns)
for i in $(seq "$NSISO_TEST_NS_N"); do
	ns=$(ns_name $i)
	isnt "$(field $i "$b1")" "$(field $i "$a1")" "nsiso-b: $ns namespace differs from nsiso-a's"
	isnt "$(field $i "$b1")" "$(field $i "$SANDBOX_NS")" "nsiso-b: $ns namespace differs from the sandbox's"
done
is "$(fact nsiso-b b1 tmp_f)" "ABSENT" "nsiso-b does not see nsiso-a's /tmp/f"
is "$(fact nsiso-b b1 shm_f)" "ABSENT" "nsiso-b does not see nsiso-a's /dev/shm file"
is "$(cat "$OUT/nsiso-b/b1/msqids")" "" "nsiso-b sees no message queue at all (ipcs -q)"

# --- case 3: the sandbox's own /tmp, /var/tmp, /dev/shm and IPC are untouched
no_cmd "sandbox /tmp has no f" test -e /tmp/f
is "$(ls -A /tmp)" "" "sandbox /tmp is still empty"
is "$(ls -A /var/tmp)" "" "sandbox /var/tmp is still empty"
is "$(ls -A /dev/shm)" "" "sandbox /dev/shm is still empty"
is "$(ipcs -q | awk '$1 ~ /^0x/' | wc -l)" "0" "sandbox sees no message queue (ipcs -q)"

# --- case 5: no nsfs mount inside a set; the host holds the pins
for who in nsiso-a:a2 nsiso-b:b1; do
	u=${who%:*}
	tag=${who#*:}
	is "$(fact "$u" "$tag" findmnt_nsfs)" "" "inside $u's set: findmnt -t nsfs is empty"
	is "$(fact "$u" "$tag" mountinfo_nsfs)" "0" "inside $u's set: no nsfs in /proc/self/mountinfo"
done
pins=$(pins_of "$uid_a" | sort | tr '\n' ' ')
is "$pins" "/$uid_a/ipc /$uid_a/mnt /$uid_a/uts " \
	"sandbox: nsiso-a's pins are nsfs mounts in the keeper"
K=$(keeper_root)
is "$(stat -L -c %i "$K/$uid_a/mnt" "$K/$uid_a/ipc" "$K/$uid_a/uts" 2>&1 | tr '\n' ' ')" \
	"$(echo "$a1" | tr ' ' '\n' | tr '\n' ' ')" "sandbox: nsiso-a's pins are nsiso-a's namespaces"

finish a1
expect_rc a1 "$RC" 0 "session 1 of nsiso-a closes cleanly"

done_testing
