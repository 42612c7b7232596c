#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A PAM caller that cannot switch namespaces: multithreaded (nsiso-pamh
# --threads N starts N-1 idle threads before pam_open_session: the kernel
# refuses setns(CLONE_NEWNS) there), or without CAP_SYS_ADMIN / CAP_SYS_CHROOT.
# The module must refuse cleanly (exit 3) before it touches anything: no
# /run/nsiso, no /var/lib/nsiso, no pin, no child left, the caller unmoved.
. "$(dirname "$0")/lib.sh"
setup
need_module

add_user nsiso-m
uid_m=$(uid_of nsiso-m)
write_policy <<EOF2
[global]
namespaces = mnt, ipc, uts
tmp = persistent
EOF2
write_pam debug

for n in 2 8; do
	case_start "a caller with $n threads"
	fs_snapshot "$STATE/snap.t$n"
	RC=0
	login "t$n" nsiso-m --threads "$n" --ns-report "$STATE/t$n.ns" -- "$BIN/report" "$OUT/nsiso-m/t$n" || RC=$?
	expect_rc "t$n" "$RC" 3 "$n threads: open_session refused (exit 3)"
	no_cmd "$n threads: the user's command did not run" test -e "$OUT/nsiso-m/t$n"
	is "$(sed -n 's/^open [0-9]* //p' "$STATE/t$n.ns")" "$SANDBOX_NS" "$n threads: the caller is still in the sandbox's namespaces"
	empty "$(fs_changes "$STATE/snap.t$n")" "$n threads: nothing created or changed anywhere (no /run/nsiso, no /var/lib/nsiso)"
	no_cmd "$n threads: /run/nsiso does not exist" test -e /run/nsiso
	no_cmd "$n threads: /var/lib/nsiso does not exist" test -e /var/lib/nsiso
	empty "$(findmnt -rn -t nsfs)" "$n threads: no nsfs mount anywhere in the sandbox"
	empty "$(pamh_procs)" "$n threads: no nsiso-pamh process (or creation child) left"
done

for cap in sys_admin sys_chroot; do
	case_start "a caller without CAP_${cap}"
	fs_snapshot "$STATE/snap.$cap"
	RC=0
	timeout -k 5 "$LOGIN_TIMEOUT" setpriv --inh-caps=-all --bounding-set=-$cap -- \
		"$PAMH" --confdir "$PAMDIR" --service "$SERVICE" --user nsiso-m --ns-report "$STATE/c-$cap.ns" \
		-- "$BIN/report" "$OUT/nsiso-m/c-$cap" </dev/null 2>"$STATE/c-$cap.err" || RC=$?
	expect_rc "c-$cap" "$RC" 3 "no CAP_${cap}: open_session refused (exit 3)"
	no_cmd "no CAP_${cap}: the user's command did not run" test -e "$OUT/nsiso-m/c-$cap"
	is "$(sed -n 's/^open [0-9]* //p' "$STATE/c-$cap.ns")" "$SANDBOX_NS" "no CAP_${cap}: the caller is still in the sandbox's namespaces"
	empty "$(fs_changes "$STATE/snap.$cap")" "no CAP_${cap}: nothing created or changed anywhere"
	empty "$(findmnt -rn -t nsfs)" "no CAP_${cap}: no nsfs mount anywhere in the sandbox"
done

case_start "control: the same harness single-threaded (--threads 1)"
report_login t1 nsiso-m --threads 1
expect_rc t1 "$RC" 0 "1 thread: the session opens"
isnt "$(field 1 "$(fact nsiso-m t1 ns)")" "$(field 1 "$SANDBOX_NS")" "1 thread: nsiso-m is in a set"

done_testing
