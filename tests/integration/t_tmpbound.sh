#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 12: what a user can keep in RAM through private tmp dirs is bounded by
# one per-user figure, whatever the user does.
#  - /tmp, /var/tmp and /dev/shm of a set are one tmpfs (tmp_size once, not
#    three times): df shows one size, one st_dev;
#  - a process in a mount namespace the user made inside the set
#    (unshare -rm: unprivileged user namespaces) still holds that tmpfs: with
#    lifetime = processes the set is not torn down under it, so login cycles
#    do not stack fresh tmpfs (it used to leave one more per cycle);
#  - once that process is gone, gc releases the set.
# Facts: every /proc/*/mountinfo on the machine (distinct tmpfs devices named
# nsiso-tmp), df, the keeper's table.
. "$(dirname "$0")/lib.sh"
setup
need_module
KEEPER=$TOP/build/nsiso-keeper
CTL=$TOP/build/nsisoctl
[ -x "$KEEPER" ] || bail "build/nsiso-keeper is missing (make)"

add_user nsiso-m
uid_m=$(uid_of nsiso-m)
write_policy <<POLICY
[global]
namespaces = mnt, ipc, uts
tmp_size   = 1M
lifetime   = processes
POLICY
write_pam debug

# nsiso_tmpfs: the distinct devices of tmpfs mounts named nsiso-tmp in any
# mount table on the machine.
nsiso_tmpfs()
{
	cat /proc/[0-9]*/mountinfo 2>/dev/null |
		awk '{ for (i = 1; i <= NF; i++) if ($i == "-") { if ($(i+1) == "tmpfs" && $(i+2) == "nsiso-tmp") print $3; break } }' |
		sort -u | wc -l
}

if ! unshare -rm true 2>/dev/null; then
	bail "unprivileged user namespaces are off here (unshare -rm fails): the nested case cannot be shown"
fi

RC=0
login m0 nsiso-m -- sh -c 'df -k /tmp /var/tmp /dev/shm | awk "NR>1 {print \$2}" | sort -u >'"$OUT/nsiso-m/df"'' || RC=$?
expect_rc m0 "$RC" 0 "nsiso-m's session opens"
is "$(cat "$OUT/nsiso-m/df")" "1024" "df: /tmp, /var/tmp and /dev/shm share one 1M tmpfs"

for i in 1 2 3 4 5; do
	RC=0
	# As the user: a nested mount namespace (its own user namespace) that stays.
	login "c$i" nsiso-m -- sh -c "setsid unshare -rm sh -c 'echo \$\$ >$OUT/nsiso-m/nested$i; exec sleep 300' </dev/null >/dev/null 2>&1 & sleep 0.3" || RC=$?
	expect_rc "c$i" "$RC" 0 "cycle $i: a login that leaves a process in a nested mount namespace"
done
is "$(nsiso_tmpfs)" "1" "after 5 login cycles the machine holds one nsiso tmpfs, not one per cycle"
is "$(pins_line "$uid_m")" "/$uid_m/ipc /$uid_m/mnt /$uid_m/uts " \
	"the set is kept: nested namespaces still hold its tmpfs"
"$CTL" gc "$uid_m" >/dev/null 2>&1
is "$(pins_line "$uid_m")" "/$uid_m/ipc /$uid_m/mnt /$uid_m/uts " "gc keeps it too"
for i in 1 2 3 4 5; do
	kill "$(cat "$OUT/nsiso-m/nested$i")" 2>/dev/null
done
for i in 1 2 3 4 5; do
	wait_gone "$(cat "$OUT/nsiso-m/nested$i")" || true
done
out=$("$CTL" gc "$uid_m" 2>&1)
like "$out" "released" "with the nested processes gone, gc releases the set"
is "$(pins_line "$uid_m")" "" "no pin of it is left"
is "$(nsiso_tmpfs)" "0" "and no nsiso tmpfs is left on the machine"

done_testing
