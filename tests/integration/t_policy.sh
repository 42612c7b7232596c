#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Case 9: an exempt user (root, default exempt_users) gets in, in the host's namespaces.
# Case 10: a broken policy denies non-exempt users and creates nothing for them,
# root still gets in; with on_error = allow the user gets in without isolation.
# Groups: [group:] sections shape a set when it is made (a later change of the
# user's groups does not move a live set); exempt_groups is asked at every
# login, so adding a user to an exempt group takes effect at the next one.
. "$(dirname "$0")/lib.sh"
setup
need_module

add_user nsiso-a
add_user nsiso-b
uid_a=$(uid_of nsiso-a)
mkdir -m 0700 "$OUT/root"
write_pam debug

# nothing_for UID: no registry entry for UID: no pin in the keeper, no set record
nothing_for()
{
	! test -e "/run/nsiso/users/$1/set" && [ -z "$(pins_of "$1")" ]
}

write_policy <<EOF
[global]
namespaces = mnt, ipc, uts
EOF
# A control: the module does isolate with this policy.
report_login ctl nsiso-b
expect_rc ctl "$RC" 0 "valid policy: nsiso-b's session opens"
isnt "$(field 1 "$(fact nsiso-b ctl ns)")" "$(field 1 "$SANDBOX_NS")" "valid policy: nsiso-b is isolated (control)"

# ----------------------------------------------------------- case 9
report_login r0 root
expect_rc r0 "$RC" 0 "root (exempt by default): session opens"
is "$(fact root r0 ns)" "$SANDBOX_NS" "root runs in the sandbox's own mnt/ipc/uts namespaces"
ok_cmd "nothing under /run/nsiso for uid 0" nothing_for 0

# ----------------------------------------------------------- case 10
write_policy <<EOF
[global]
namespaces = mnt, ipc, uts
no_such_key = 1
EOF
report_login a1 nsiso-a
expect_rc a1 "$RC" 3 "broken policy (unknown key): nsiso-a's open_session fails (exit 3)"
no_cmd "broken policy: nsiso-a's command did not run" test -e "$OUT/nsiso-a/a1"
ok_cmd "broken policy: no pin and no set record for nsiso-a" nothing_for "$uid_a"
report_login r1 root
expect_rc r1 "$RC" 0 "broken policy: root still gets in"
is "$(fact root r1 ns)" "$SANDBOX_NS" "broken policy: root runs in the sandbox's namespaces"

write_policy <<EOF
[global]
namespaces = mnt, ipc, uts
tmp = sometimes
EOF
report_login a2 nsiso-a
expect_rc a2 "$RC" 3 "broken policy (bad value): nsiso-a's open_session fails (exit 3)"

write_policy <<EOF
[global]
on_error = allow

[user:nobody]
no_such_key = 1
EOF
report_login a3 nsiso-a
expect_rc a3 "$RC" 0 "on_error = allow with a broken key elsewhere: nsiso-a gets in"
is "$(fact nsiso-a a3 ns)" "$SANDBOX_NS" "on_error = allow: nsiso-a is not isolated (sandbox's namespaces)"
ok_cmd "on_error = allow: no pin and no set record for nsiso-a" nothing_for "$uid_a"

# ----------------------------------------------------------- groups
add_user nsiso-g
uid_g=$(uid_of nsiso-g)
groupadd nsiso-long && groupadd nsiso-adm && usermod -aG nsiso-long nsiso-g ||
	bail "groupadd/usermod failed"
write_policy <<EOF
[global]
namespaces = mnt, ipc, uts
lifetime = session
exempt_groups = nsiso-adm

[group:nsiso-long]
lifetime = boot
EOF
report_login g1 nsiso-g
expect_rc g1 "$RC" 0 "[group:nsiso-long]: nsiso-g's first session opens"
g1=$(fact nsiso-g g1 ns)
isnt "$(field 1 "$g1")" "$(field 1 "$SANDBOX_NS")" "[group:nsiso-long]: nsiso-g is in a set of its own"
is "$(pins_of "$uid_g" | wc -l)" "3" \
	"[group:nsiso-long] gave lifetime = boot: the set outlives its only session (pins kept)"
gpasswd -d nsiso-g nsiso-long >/dev/null || bail "gpasswd -d failed"
report_login g2 nsiso-g
expect_rc g2 "$RC" 0 "out of nsiso-long: nsiso-g's next session opens"
is "$(fact nsiso-g g2 ns)" "$g1" "out of nsiso-long: the live set is joined as it was made (same mnt/ipc/uts)"
usermod -aG nsiso-adm nsiso-g || bail "usermod -aG nsiso-adm failed"
report_login g3 nsiso-g
expect_rc g3 "$RC" 0 "in exempt group nsiso-adm: nsiso-g's session opens"
is "$(fact nsiso-g g3 ns)" "$SANDBOX_NS" "in exempt group nsiso-adm: at the very next login nsiso-g runs in the sandbox's namespaces"

done_testing
