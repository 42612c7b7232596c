#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Cases 4 and 13: hostname templates per user (also for a user name with upper
# case letters, which iniparser lower-cases in section names); the sandbox's own
# hostname is never changed.
. "$(dirname "$0")/lib.sh"
setup
need_module

add_user nsiso-a
add_user nsiso-b
add_user NsisoUp --badname
write_policy <<EOF
[global]
namespaces = mnt, ipc, uts

[user:nsiso-a]
hostname = %u-box

[user:NsisoUp]
hostname = upper-%u
EOF
write_pam debug

report_login h1 nsiso-a
expect_rc h1 "$RC" 0 "nsiso-a's session opens"
is "$(fact nsiso-a h1 hostname)" "nsiso-a-box" "hostname = %u-box: nsiso-a sees nsiso-a-box"
isnt "$(field 3 "$(fact nsiso-a h1 ns)")" "$(field 3 "$SANDBOX_NS")" "nsiso-a has its own uts namespace"
is "$(hostname)" "$SANDBOX_HOST" "the sandbox's hostname is unchanged ($SANDBOX_HOST)"

report_login h2 nsiso-b
expect_rc h2 "$RC" 0 "nsiso-b's session opens"
is "$(fact nsiso-b h2 hostname)" "$SANDBOX_HOST" "no hostname key: nsiso-b keeps the host's name"
isnt "$(field 3 "$(fact nsiso-b h2 ns)")" "$(field 3 "$SANDBOX_NS")" "nsiso-b has its own uts namespace"

report_login h3 NsisoUp
expect_rc h3 "$RC" 0 "NsisoUp's session opens"
is "$(fact NsisoUp h3 hostname)" "upper-NsisoUp" "[user:NsisoUp] hostname = upper-%u: NsisoUp sees upper-NsisoUp"
is "$(hostname)" "$SANDBOX_HOST" "the sandbox's hostname is still unchanged"

done_testing
