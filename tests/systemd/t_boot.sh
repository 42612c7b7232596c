#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The sandbox itself, before any login: the machine's systemd booted as
# PID 1 (tests/systemd/sandbox.sh) is a Debian server as the other tests need
# it, and the package is installed as an administrator installs it:
#   - systemd reached "running" with no failed unit; journald, logind, dbus
#     and ssh.service run; sshd listens on 127.0.0.1:22 and nowhere else;
#   - PID 1 sits in /init.scope of its own cgroup namespace, with cgroup2 on
#     /sys/fs/cgroup; / is a shared mount (as on a real host), /sys and
#     /proc/sys are read-only; the machine-id is not the host's;
#   - make install put the module, nsisoctl and the pam-auth-update profile
#     where the package does; pam-auth-update put the module after
#     pam_systemd.so in common-session, which sshd's stack includes; the
#     systemd-user stack has it after pam_systemd.so; nsisoctl check accepts
#     the installed policy.
# shellcheck source=tests/systemd/lib.sh disable=SC3043,SC2119
# (SC2119: sd_setup without users)
. "$(dirname "$0")/lib.sh"
sd_setup

# ---------------------------------------------------------------- systemd
is "$NSISO_SYSTEMD_STATE" running "systemctl is-system-running --wait: running"
empty "$(systemctl list-units --failed --no-legend --plain 2>&1)" "no failed unit"
is "$(cat /proc/1/comm)" systemd "PID 1 is systemd"
like "$(tr '\0' '\n' </proc/1/environ)" '^container=nsiso-systemd$' "PID 1's environment says container=nsiso-systemd"
for u in systemd-journald.service systemd-logind.service dbus.service ssh.service; do
	is "$(systemctl is-active "$u" 2>&1)" active "$u is active"
done
listen=$(ss -Hltn | awk '{ print $4 }' | sort -u | paste -sd ' ' -)
is "$listen" "127.0.0.1:$SSH_PORT" "the only TCP listener is sshd on 127.0.0.1:$SSH_PORT"
is "$(systemctl show -P MainPID ssh.service)" "$SSHD_PID" "sshd is ssh.service's main process"
is "$(ns_of "$SSHD_PID")" "$(ns_of 1)" "the listening sshd is in PID 1's namespaces"

# ---------------------------------------------------------------- the sandbox
is "$(cgroup_of 1)" /init.scope "PID 1's cgroup is /init.scope (the root of its cgroup namespace)"
is "$(findmnt -n -o FSTYPE /sys/fs/cgroup)" cgroup2 "cgroup2 on /sys/fs/cgroup"
like "$(awk '$5 == "/" { print $7 }' /proc/1/mountinfo | tail -n 1)" '^shared:' "/ is a shared mount in PID 1's mount table"
like "$(findmnt -n -o OPTIONS /sys | tail -n 1)" '^ro,' "/sys is read-only"
like "$(findmnt -n -o OPTIONS /proc/sys | tail -n 1)" '^ro,' "/proc/sys is read-only"
is "$(findmnt -n -o FSTYPE /)" overlay "/ is the overlay"
mid=$(cat /etc/machine-id)
like "$mid" '^[0-9a-f]{32}$' "/etc/machine-id is a machine id"
isnt "$mid" "${NSISO_SYSTEMD_HOST_MACHINE_ID:-}" "the machine-id is not the host's"

# ---------------------------------------------------------------- the installation
libdir=$(pam_libdir)
ok_cmd "make install: $libdir/security/pam_nsiso.so" test -f "$libdir/security/pam_nsiso.so"
ok_cmd "make install: /usr/sbin/nsisoctl" test -x /usr/sbin/nsisoctl
ok_cmd "make install: /usr/share/pam-configs/nsiso" cmp "$TOP/config/pam-configs/nsiso" /usr/share/pam-configs/nsiso
ok_cmd "nsisoctl check accepts the installed policy" nsisoctl check "$CONF"
order=$(grep -E '^session' /etc/pam.d/common-session | grep -o -E 'pam_(systemd|nsiso)\.so' | paste -sd ' ' -)
is "$order" "pam_systemd.so pam_nsiso.so" "common-session: pam_nsiso.so after pam_systemd.so (pam-auth-update)"
is "$(grep -c -E '^@include[[:space:]]+common-session$' /etc/pam.d/sshd)" 1 "/etc/pam.d/sshd includes common-session (Debian's file)"
order=$(grep -E '^session' /etc/pam.d/systemd-user | grep -o -E 'pam_(systemd|nsiso)\.so' | paste -sd ' ' -)
is "$order" "pam_systemd.so pam_nsiso.so" "systemd-user: pam_nsiso.so after pam_systemd.so"
empty "$(nsisoctl list 2>&1)" "nsisoctl list: no set before the first login"

done_testing
