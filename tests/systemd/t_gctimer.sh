#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The package's gc timer (nsiso-gc.timer, enabled as dh_installsystemd
# enables it) runs as a real timer unit and ends a set whose last process
# exits after its last session (the tmux case) with no administrator: no
# close and no user@.service stop is left to end it.
#
# The timer's intervals are shortened by a drop-in of this test (the shipped
# 5 min / 3 min would make the suite wait that long); its service, its
# condition and its command are the shipped ones. The timer is started before
# any login, so its first runs find no registry (the service's condition is
# false): it must go on firing all the same.
# shellcheck source=tests/systemd/lib.sh disable=SC3043,SC2317
. "$(dirname "$0")/lib.sh"
sd_setup nsxsd6
write_policy <<POLICY
[global]
namespaces = mnt, ipc, uts
lifetime = processes
POLICY
u6=$(uid_of nsxsd6)

mkdir -p /etc/systemd/system/nsiso-gc.timer.d
cat >/etc/systemd/system/nsiso-gc.timer.d/zz-test.conf <<DROPIN
# tests/systemd/t_gctimer.sh: the shipped timer, seconds instead of minutes
[Timer]
# One empty assignment resets every monotonic setting of the unit, not one.
OnBootSec=
OnBootSec=1s
OnUnitActiveSec=2s
AccuracySec=100ms
DROPIN
ok_cmd "systemctl daemon-reload" systemctl daemon-reload
ok_cmd "systemctl enable --now nsiso-gc.timer (as the package's postinst does)" \
	systemctl enable --now nsiso-gc.timer
is "$(systemctl is-active nsiso-gc.timer)" active "nsiso-gc.timer is active"

# triggers: how many times the timer started nsiso-gc.service, whatever its
# condition said (one "Starting" or "skipped" line of the journal each).
triggers()
{
	journalctl -b --no-pager -o cat -u nsiso-gc.service 2>/dev/null |
		grep -c -E '^Starting |was skipped because' || true
}
at_least()
{
	[ "$(triggers)" -ge "$1" ]
}
wait_for 12 at_least 3
n=$(triggers)
like "$n" '^([3-9]|[1-9][0-9]+)$' "before any login (no registry: the service's condition is false) the timer fired $n times"

# ---------------------------------------------------------------- the tmux case
# A process left in the set outside logind's sessions (as an administrator's
# job started with nsisoctl enter, or a daemonized tool that left its scope):
# logind stops the user manager 10 s after the logout, whose ExecStopPost gc
# finds the process and keeps the set. When the process exits later, nothing
# but the timer is left to end the set.
session_start s6 nsxsd6 || bail "nsxsd6's ssh login did not come up"
set6=$(ns_of "$(session_pid s6)")
nsisoctl enter nsxsd6 --as-user -- sleep 306 </dev/null >/dev/null 2>&1 &
bg_pid()
{
	local f
	for f in /proc/[0-9]*; do
		[ "$(stat -L -c %i "$f/ns/mnt" 2>/dev/null)" = "$(field 1 "$set6")" ] || continue
		[ "$(args_of "${f#/proc/}")" != "sleep 306" ] || echo "${f#/proc/}"
	done
}
have_bg()
{
	[ -n "$(bg_pid)" ]
}
wait_for 10 have_bg
p6=$(bg_pid)
like "$p6" '^[0-9]+$' "nsxsd6: a process (nsisoctl enter --as-user) runs in the set"
session_end s6
is "$RC" 0 "nsxsd6's ssh session ends with exit status 0"

manager_down()
{
	[ "$(manager_pid "$u6")" = 0 ]
}
wait_for 30 manager_down
if manager_down; then
	pass "user@$u6.service stopped after the logout (its ExecStopPost gc ran)"
else
	fail "user@$u6.service stopped within 30 s of the logout"
fi
pins()
{
	"$TOP/build/nsiso-keeper" pins 2>/dev/null | grep -c "^/$u6/" || true
}
before=$(triggers)
wait_for 10 at_least $((before + 2))
is "$(pins)" 3 "the set lives while its background process does (lifetime = processes), through $(($(triggers) - before)) more timer runs"

kill "$p6"
t0=$(date +%s)
ended()
{
	[ "$(pins)" = 0 ] && no_refs_of "$set6"
}
wait_for 15 ended
if ended; then
	pass "the timer's gc ends the set $(($(date +%s) - t0)) s after its last process exited, with no administrator"
else
	fail "the timer's gc ends the set within 15 s of its last process's exit" "pins left: $(pins)" \
		"nsisoctl list:" "$(nsisoctl list 2>&1)"
fi
out=$(journalctl -b --no-pager -o cat -u nsiso-gc.service 2>/dev/null | grep -F "released nsxsd6 (uid $u6)")
like "$out" "released nsxsd6" "nsiso-gc.service's journal says it released nsxsd6"
is "$(systemctl show -P Result nsiso-gc.service)" success "nsiso-gc.service's last run succeeded"

done_testing
