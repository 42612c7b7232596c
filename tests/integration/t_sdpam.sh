#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 12: systemd opens the systemd-user PAM session as root and closes it
# from its (sd-pam) helper after that has dropped to the user's uid. The
# harness does the same (--close-as-user). The close must not fail, must do
# nothing half-way, and must say in one line that it left the set to gc;
# `nsisoctl gc UID` (what user@.service's shipped ExecStopPost runs) then
# applies the lifetime: session ends with the last session, processes with the
# last process. Facts: the keeper's own table (build/nsiso-keeper pins) and
# /proc/PID/ns of what runs.
SANDBOX_EXTRA_OVERLAYS=dev
. "$(dirname "$0")/lib.sh"
setup
need_module
start_logsink || bail "cannot start the log sink"
KEEPER=$TOP/build/nsiso-keeper
CTL=$TOP/build/nsisoctl
[ -x "$KEEPER" ] || bail "build/nsiso-keeper is missing (make)"

add_user nsiso-s
add_user nsiso-p
write_policy <<POLICY
[global]
namespaces = mnt, ipc, uts

[user:nsiso-s]
lifetime = session

[user:nsiso-p]
lifetime = processes
POLICY
write_pam debug
uid_s=$(uid_of nsiso-s)
uid_p=$(uid_of nsiso-p)


# --- lifetime = session, closed as (sd-pam) closes it
RC=0
login s1 nsiso-s --close-as-user -- "$BIN/report" "$OUT/nsiso-s/s1" || RC=$?
expect_rc s1 "$RC" 0 "a close from a process that gave up root does not fail"
like "$(grep 'user=nsiso-s' "$SYSLOG" | grep 'action=defer' | tail -n 1)" \
	"closing process runs as uid $uid_s: left to nsisoctl gc" "one line says the close was left to gc"
is "$(grep -c '; close service=.* user=nsiso-s ' "$SYSLOG")" "0" "and no failed-close line"
is "$(pins_line "$uid_s")" "/$uid_s/ipc /$uid_s/mnt /$uid_s/uts " "nothing was torn down half-way: the pins are there"
is "$(ls /run/nsiso/users/"$uid_s"/sessions 2>/dev/null | wc -l)" "1" \
	"the session record is still there (its pid has exited)"
out=$("$CTL" gc "$uid_s" 2>&1)
like "$out" "released" "nsisoctl gc UID releases the set: its last session has ended"
is "$(pins_line "$uid_s")" "" "no pin of the set is left in the keeper"
is "$(ls /run/nsiso/users/"$uid_s"/sessions 2>/dev/null | wc -l)" "0" "the dead session record is pruned"

# lifetime = session ends even while a process still runs inside
bg_session s2 nsiso-s "sleep 300 </dev/null >/dev/null 2>&1 &" --close-as-user
wait_ready s2 nsiso-s || bail "nsiso-s's second session did not start"
left=$(cat "$OUT/nsiso-s/s2/ns")
finish s2
expect_rc s2 "$RC" 0 "the second session closes (as the user)"
out=$("$CTL" gc "$uid_s" 2>&1)
like "$out" "released" "gc ends a session-lifetime set although a process is left"
is "$(pins_line "$uid_s")" "" "its pins are gone"
pkill -u nsiso-s sleep 2>/dev/null || true

# --- lifetime = processes: gc waits for the last process (the tmux case)
bg_session p1 nsiso-p "sleep 300 </dev/null >/dev/null 2>&1 & echo \$! >$OUT/nsiso-p/bgpid" --close-as-user
wait_ready p1 nsiso-p || bail "nsiso-p's session did not start"
p_ns=$(cat "$OUT/nsiso-p/p1/ns")
finish p1
expect_rc p1 "$RC" 0 "nsiso-p's session closes (as the user)"
bgpid=$(cat "$OUT/nsiso-p/bgpid")
is "$(ns_of "$bgpid")" "$p_ns" "a background process is still in nsiso-p's set"
"$CTL" gc "$uid_p" >/dev/null 2>&1
is "$(pins_line "$uid_p")" "/$uid_p/ipc /$uid_p/mnt /$uid_p/uts " "gc keeps the set while a process is left"
kill "$bgpid"
wait_gone "$bgpid" || true
out=$("$CTL" gc "$uid_p" 2>&1)
like "$out" "released" "gc releases it once the last process has gone"
is "$(pins_line "$uid_p")" "" "its pins are gone"

done_testing
