#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The pam-auth-update profile (config/pam-configs/nsiso), as the package's
# postinst and prerm use it, with the real pam-auth-update in the sandbox:
# /etc and /var are overlays there, and /usr/share/pam-configs is a private
# copy, so the machine's PAM configuration is never touched.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib.sh"
setup
PROFILE=$TOP/config/pam-configs/nsiso

# field_of NAME: the value of "NAME: value" in the profile.
field_of()
{
	sed -n "s/^$1:[[:space:]]*//p" "$PROFILE"
}

is "$(field_of Default)" no "profile: Default: no (an administrator enables it)"
is "$(field_of Session-Type)" Additional "profile: an Additional session module"
is "$(grep -c -E '^(Auth|Account|Password)' "$PROFILE")" 0 "profile: session only"
is "$(sed -n '/^Session:/{n;p}' "$PROFILE" | tr -s ' \t' ' ')" " required pam_nsiso.so" "profile: session required pam_nsiso.so"
sysprio=$(sed -n 's/^Priority:[[:space:]]*//p' /usr/share/pam-configs/systemd 2>/dev/null || true)
ok_cmd "profile: Priority $(field_of Priority) is lower than pam_systemd's (${sysprio:-0}), so it comes after it" \
	test "$(field_of Priority)" -lt "${sysprio:-0}"

if ! have pam-auth-update; then
	skip "pam-auth-update enables and removes the profile" "pam-auth-update is not installed"
	done_testing
fi
mkdir "$W/pam-configs"
cp -a /usr/share/pam-configs/. "$W/pam-configs/"
cp "$PROFILE" "$W/pam-configs/nsiso"
mount --bind "$W/pam-configs" /usr/share/pam-configs || bail "cannot bind a copy of /usr/share/pam-configs"
export DEBIAN_FRONTEND=noninteractive

ok_cmd "pam-auth-update --package (postinst) accepts the profile" pam-auth-update --package
is "$(grep -c pam_nsiso /etc/pam.d/common-session)" 0 "Default: no: the postinst alone enables nothing"
ok_cmd "pam-auth-update --enable nsiso" pam-auth-update --package --enable nsiso
is "$(grep -E '^session' /etc/pam.d/common-session | grep -c 'pam_nsiso.so')" 1 \
	"enabled: common-session has the module"
if grep -q pam_systemd /etc/pam.d/common-session; then
	order=$(grep -n -E 'pam_(systemd|nsiso)\.so' /etc/pam.d/common-session | sed 's/:.*pam_\([a-z]*\)\.so.*/ \1/' |
		awk '{ print $2 }' | paste -sd ' ' -)
	is "$order" "systemd nsiso" "enabled: pam_nsiso comes after pam_systemd in common-session"
else
	skip "pam_nsiso comes after pam_systemd" "pam_systemd's profile is not installed here"
fi
is "$(grep -c pam_nsiso /etc/pam.d/common-session-noninteractive)" 0 \
	"enabled: not in common-session-noninteractive (cron, sudo)"
ok_cmd "pam-auth-update --package --remove nsiso (prerm on remove)" pam-auth-update --package --remove nsiso
is "$(grep -c pam_nsiso /etc/pam.d/common-session)" 0 "removed: common-session no longer has the module"
umount /usr/share/pam-configs

done_testing
