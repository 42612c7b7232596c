#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 13: netns_name collisions. The template maps bytes outside
# [A-Za-z0-9._-] to '-', so nsiso_c@d and nsiso_c-d both get
# /run/netns/nsiso-nsiso_c-d. The second account's set must not take the
# first one's name (it used to replace the pin): its creation is refused with
# one clear line, the first set keeps its name, and once the first set is
# gone the name is free again.
SANDBOX_EXTRA_OVERLAYS=dev
. "$(dirname "$0")/lib.sh"
setup
need_module
start_logsink || bail "cannot start the log sink"

NAME=nsiso-nsiso_c-d
add_user 'nsiso_c@d' --badname
add_user nsiso_c-d
write_policy <<POLICY
[global]
namespaces = mnt, ipc, uts, net
netns_name = nsiso-%u
lifetime   = session
POLICY
write_pam debug

net_of()
{
	stat -L -c %i "/proc/$1/ns/net"
}

bg_session a1 'nsiso_c@d' ""
wait_ready a1 'nsiso_c@d' || bail "the first account's session did not start"
net_a=$(net_of "$(session_pid 'nsiso_c@d' a1)")
is "$(stat -L -c %i "/run/netns/$NAME" 2>&1)" "$net_a" \
	"/run/netns/$NAME is the first account's net namespace"

report_login b1 nsiso_c-d
isnt "$RC" "0" "the second account, whose template gives the same name, is refused"
is "$(fact nsiso_c-d b1 ns)" "MISSING" "no session of the second account ran"
like "$(grep 'user=nsiso_c-d' "$SYSLOG" | grep 'action=deny' | tail -n 1)" \
	"/run/netns/$NAME, which the set of uid $(uid_of 'nsiso_c@d') holds" \
	"one line names the name and the uid that holds it"
is "$(stat -L -c %i "/run/netns/$NAME" 2>&1)" "$net_a" \
	"/run/netns/$NAME is still the first account's net namespace"
is "$(ip netns list 2>/dev/null | grep -c "^$NAME")" "1" "ip netns list shows the name once"

# the first set ends (lifetime = session): the name is free
finish a1
expect_rc a1 "$RC" 0 "the first account's session closes"
no_cmd "/run/netns/$NAME is gone with the first set" test -e "/run/netns/$NAME"
bg_session b2 nsiso_c-d ""
wait_ready b2 nsiso_c-d || bail "the second account's session did not start"
is "$(stat -L -c %i "/run/netns/$NAME" 2>&1)" "$(net_of "$(session_pid nsiso_c-d b2)")" \
	"then the second account's set gets the name"
finish b2
expect_rc b2 "$RC" 0 "the second account's session closes"

done_testing
