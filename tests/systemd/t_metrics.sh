#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The metrics textfile example (config/metrics, installed as an example)
# under the real systemd: copied to /etc/systemd/system and enabled as
# nsisoctl(8) says, its timer keeps node_exporter's nsiso.prom current. An
# ssh login makes decisions in two PAM stacks (sshd, and the user manager's
# systemd-user), and the user manager's close, made by (sd-pam) after it
# dropped to the user's uid, is a defer: counted through the descriptor its
# open kept. The counters in the file must be those decisions, as the
# journal's decision lines say.
#
# The timer's intervals are shortened by a drop-in of this test; the service
# and its command are the shipped example's.
# shellcheck source=tests/systemd/lib.sh disable=SC3043,SC2317
. "$(dirname "$0")/lib.sh"
sd_setup nsxsd7
write_policy <<POLICY
[global]
namespaces = mnt, ipc, uts
lifetime = processes
POLICY
u7=$(uid_of nsxsd7)
TD=/var/lib/prometheus/node-exporter
PROM=$TD/nsiso.prom
PC=$TOP/tests/lib/promcheck.py
have_python()
{
	command -v python3 >/dev/null 2>&1
}
have_python || bail "python3 is needed to read the exposition (tests/lib/promcheck.py)"

EX=/usr/share/doc/libpam-nsiso/examples
ok_cmd "make install put the example units in $EX" test -f "$EX/nsiso-metrics.service" -a -f "$EX/nsiso-metrics.timer"
cp "$EX/nsiso-metrics.service" "$EX/nsiso-metrics.timer" /etc/systemd/system/ || bail "cannot copy the example units"
mkdir -p "$TD" /etc/systemd/system/nsiso-metrics.timer.d
cat >/etc/systemd/system/nsiso-metrics.timer.d/zz-test.conf <<DROPIN
# tests/systemd/t_metrics.sh: the example timer, seconds instead of a minute
[Timer]
OnBootSec=
OnBootSec=1s
OnUnitActiveSec=2s
AccuracySec=100ms
DROPIN
ok_cmd "systemctl daemon-reload" systemctl daemon-reload
ok_cmd "systemctl enable --now nsiso-metrics.timer (as nsisoctl(8) says)" systemctl enable --now nsiso-metrics.timer

# runs: how many times the service ran to a successful end (one journal line each).
runs()
{
	journalctl -b --no-pager -o cat -u nsiso-metrics.service 2>/dev/null |
		grep -c '^nsiso-metrics.service: Deactivated successfully' || true
}
at_least_runs()
{
	[ "$(runs)" -ge "$1" ]
}
# fresh: until the service has run twice more (the textfile is written after this call).
fresh()
{
	wait_for 20 at_least_runs $(($(runs) + 2))
}
m()
{
	python3 "$PC" get "$PROM" "$@"
}
journal_count()
{
	journalctl -b --no-pager -o cat 2>/dev/null | grep -F 'pam_nsiso(' | grep -c " action=$1 " || true
}

fresh || fail "nsiso-metrics.service ran twice within 20 s of the timer's start"
is "$(stat -c '%U %a' "$PROM" 2>&1)" "root 644" "the timer wrote $PROM (root 0644) before any login"
ok_cmd "... which the strict reader accepts" python3 "$PC" check "$PROM"
is "$(m nsiso_sets) $(m nsiso_decisions_total action=create)" "0 0" "... no set, no decision yet"

session_start s7 nsxsd7 || bail "nsxsd7's ssh login did not come up"
wait_for 20 sh -c '[ "$(systemctl show -P MainPID "user@$1.service")" != 0 ]' _ "$u7" ||
	fail "user@$u7.service runs after the login"
fresh || fail "nsiso-metrics.service ran again"
is "$(m nsiso_sets) $(m nsiso_set_sessions uid="$u7")" "1 2" \
	"the textfile: one set, two sessions in it (sshd's and the user manager's)"

session_end s7
is "$RC" 0 "nsxsd7's ssh session ends with exit status 0"
manager_down()
{
	[ "$(manager_pid "$u7")" = 0 ]
}
wait_for 30 manager_down || fail "user@$u7.service stopped within 30 s of the logout"
fresh || fail "nsiso-metrics.service ran again"
is "$(m nsiso_decisions_total action=create) $(m nsiso_decisions_total action=join)" "1 1" \
	"the counters: one create, one join (sshd and systemd-user, in either order)"
is "$(m nsiso_decisions_total action=defer)" 1 \
	"the counters: one defer, the user manager's close, made by (sd-pam) without root"
for a in create join defer teardown deny; do
	is "$(m nsiso_decisions_total action=$a)" "$(journal_count "$a")" \
		"the counters: $a as many times as the journal has action=$a lines"
done
is "$(m nsiso_sets)" 0 "the textfile: no set left (user@.service's ExecStopPost gc ended it)"
is "$(systemctl show -P Result nsiso-metrics.service)" success "nsiso-metrics.service's last run succeeded"

done_testing
