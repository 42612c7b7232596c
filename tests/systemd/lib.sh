# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh disable=SC3043,SC2016,SC2034
# (local: dash, bash and busybox sh have it; SC2016: sh -c '...' scripts get
# their values as arguments; SC2034: variables used by the t_*.sh files)
#
# Helpers for the systemd tests, sourced by tests/systemd/t_*.sh:
#
#   . "$(dirname "$0")/lib.sh"
#
# A test file run directly (sh tests/systemd/t_x.sh) re-executes itself
# inside a booted systemd (tests/systemd/sandbox.sh): the machine's own
# systemd as PID 1 of a throwaway set of namespaces, with an overlay over the
# host's /. Nothing here ever runs against the real machine.
#
# Inside, as an administrator of a Debian server would do it:
#   sd_install   make install (the module, nsisoctl, the profile, the policy),
#                pam-auth-update --enable nsiso (the module after pam_systemd
#                in common-session, so in sshd's stack), and the module after
#                pam_systemd.so in /etc/pam.d/systemd-user (Debian's
#                /usr/lib/pam.d/systemd-user plus config/pam.d/systemd-user's
#                line)
#   sd_sshd      ssh.service with UsePAM yes on 127.0.0.1:22 only, key
#                authentication (a drop-in in /etc/ssh/sshd_config.d)
# and the end-to-end tests' helpers (tests/e2e/lib.sh: users with ssh keys,
# ssh sessions driven by an agent, ns_of, refs_of, ...).

TOP=$(cd "$(dirname "$0")/../.." && pwd)
sh "$TOP/tests/systemd/sandbox.sh" --inside || exec sh "$TOP/tests/systemd/sandbox.sh" "$0" "$@"

# Inside: the e2e helpers, without a sandbox of their own.
NSISO_E2E_SANDBOX=systemd
# shellcheck source=tests/e2e/lib.sh
. "$TOP/tests/e2e/lib.sh"
TAP_SUITE=${NSISO_SYSTEMD_SUITE:-systemd}

# The installed policy, as a package would have it (no config= argument).
CONF=/etc/security/nsiso.conf
SSH_PORT=22

tap_on_bail()
{
	diag "the journal's last lines:"
	journalctl -b --no-pager -n 40 2>&1 | _tap_excerpt
}

# ---------------------------------------------------------------- installation

# sd_install: what the package (or make install) and the administrator do.
sd_install()
{
	local out line src
	out=$(make -C "$TOP" --no-print-directory -s install 2>&1) || bail "make install failed (run make first)" "$out"
	[ -f "$(pam_libdir)/security/pam_nsiso.so" ] || bail "make install left no pam_nsiso.so in $(pam_libdir)/security"
	# NSISO_TEST_MODULE=pam_permit.so (the old name NSISO_SYSTEMD_MODULE
	# works too; tests/systemd/sandbox.sh passes it in as that) dry-runs the
	# tests with another module in its place (every isolation assertion then
	# fails, by design: a check of the checks). A name is one in the PAM
	# directory, as in a PAM stack; a path, that file.
	if [ -n "${NSISO_SYSTEMD_MODULE:-}" ]; then
		case $NSISO_SYSTEMD_MODULE in
		*/*) src=$NSISO_SYSTEMD_MODULE ;;
		*) src=$(pam_libdir)/security/$NSISO_SYSTEMD_MODULE ;;
		esac
		cp "$src" "$(pam_libdir)/security/pam_nsiso.so" ||
			bail "no $NSISO_SYSTEMD_MODULE to put in the module's place"
	fi
	out=$(DEBIAN_FRONTEND=noninteractive pam-auth-update --package --enable nsiso 2>&1) ||
		bail "pam-auth-update --enable nsiso failed" "$out"
	# systemd --user's stack: Debian ships it in /usr/lib/pam.d; the
	# administrator's copy in /etc/pam.d takes precedence. The line is the
	# one config/pam.d/systemd-user shows, after pam_systemd.so.
	line=$(grep -E '^session[[:space:]]' "$TOP/config/pam.d/systemd-user" | head -n 1)
	[ -n "$line" ] || bail "config/pam.d/systemd-user has no session line"
	[ -e /etc/pam.d/systemd-user ] || cp /usr/lib/pam.d/systemd-user /etc/pam.d/systemd-user ||
		bail "no /usr/lib/pam.d/systemd-user to copy"
	grep -q 'pam_systemd\.so' /etc/pam.d/systemd-user || bail "/etc/pam.d/systemd-user has no pam_systemd.so"
	if ! awk -v line="$line" '{ print } /^session.*pam_systemd\.so/ { print line }' /etc/pam.d/systemd-user \
		>/etc/pam.d/systemd-user.new || ! mv /etc/pam.d/systemd-user.new /etc/pam.d/systemd-user; then
		bail "cannot edit /etc/pam.d/systemd-user"
	fi
}

pam_libdir()
{
	pkg-config --variable=libdir pam 2>/dev/null || echo /lib/x86_64-linux-gnu
}

# sd_sshd: ssh.service (Debian's unit and sshd_config, UsePAM yes) with a
# drop-in: 127.0.0.1:22 only, key authentication with the test keys.
sd_sshd()
{
	local out i
	need_prog /usr/sbin/sshd ssh ssh-keygen
	ssh-keygen -q -t ed25519 -N '' -f "$SSHDIR/host_ed25519" </dev/null || bail "ssh-keygen (host key) failed"
	mkdir -p /etc/ssh/sshd_config.d
	cat >/etc/ssh/sshd_config.d/00-nsiso-systemd.conf <<EOF
# tests/systemd: loopback only, key authentication with the test's keys
Port $SSH_PORT
ListenAddress 127.0.0.1
AddressFamily inet
HostKey $SSHDIR/host_ed25519
UsePAM yes
PubkeyAuthentication yes
AuthenticationMethods publickey
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile $AUTHKEYS/%u
PermitRootLogin no
UseDNS no
PrintLastLog no
MaxStartups 100:30:200
MaxSessions 20
LogLevel VERBOSE
EOF
	out=$(/usr/sbin/sshd -t 2>&1) || bail "sshd -t rejects the configuration" "$out"
	out=$(systemctl restart ssh.service 2>&1) || bail "systemctl restart ssh.service failed" "$out"
	i=0
	until [ -n "$(ss -Hltn "src 127.0.0.1:$SSH_PORT")" ]; do
		i=$((i + 1))
		[ "$i" -lt 200 ] || bail "ssh.service does not listen on 127.0.0.1:$SSH_PORT"
		sleep 0.05
	done
	SSHD_PID=$(systemctl show -P MainPID ssh.service)
}

# sd_setup USER...: the e2e work dirs, the installation, ssh.service, users.
# A user nsxsdN (N 1-9) gets uid NSISO_SYSTEMD_UID_BASE+N: a block the host
# does not use, whose kernel keyrings the sandbox drops afterwards.
sd_setup()
{
	local u n
	setup
	sd_install
	sd_sshd
	for u in "$@"; do
		n=${u#nsxsd}
		case $n in
		[1-9]) ;;
		*) bail "test user '$u' is not nsxsd1..nsxsd9" ;;
		esac
		add_user "$u" -u "$((NSISO_SYSTEMD_UID_BASE + n))"
	done
	write_sdfacts
}

# ---------------------------------------------------------------- facts

write_sdfacts()
{
	# sdfacts: what a session (or a user service) sees, as KEY=value lines.
	cat >"$BIN/sdfacts" <<'EOF'
#!/bin/sh
echo "pid=$$"
echo "ns=$(stat -L -c %i @NS_PATHS@ | paste -sd ' ' -)"
echo "uid=$(id -u)"
echo "cgroup=$(sed -n 's/^0:://p' /proc/self/cgroup)"
echo "xdg=${XDG_RUNTIME_DIR:-UNSET}"
echo "bus=${DBUS_SESSION_BUS_ADDRESS:-UNSET}"
echo "rundev=$(stat -c %d "/run/user/$(id -u)" 2>/dev/null || echo ABSENT)"
echo "runmnt=$(awk -v d="/run/user/$(id -u)" '$5 == d { print $3, $9, $4 }' /proc/self/mountinfo | tail -n 1)"
echo "tmp_f=$(cat /tmp/f 2>/dev/null || echo ABSENT)"
echo "host=$(hostname)"
echo "shmmax=$(cat /proc/sys/kernel/shmmax)"
EOF
	ns_fill "$BIN/sdfacts"
	chmod 0755 "$BIN/sdfacts"
}

# session_of PID: the logind session id of PID's cgroup (session-N.scope).
session_of()
{
	sed -n 's|^0::.*/session-\([^/]*\)\.scope$|\1|p' "/proc/$1/cgroup" 2>/dev/null | head -n 1
}

cgroup_of()
{
	sed -n 's/^0:://p' "/proc/$1/cgroup" 2>/dev/null
}

# manager_pid UID: the MainPID of user@UID.service (0 when it is not running).
manager_pid()
{
	systemctl show -P MainPID "user@$1.service" 2>/dev/null || echo 0
}

# module_lines SERVICE: the module's journal lines for that PAM service (this boot).
module_lines()
{
	journalctl -b --no-pager -o cat 2>/dev/null | grep -F "pam_nsiso($1:session)"
}

# nsfs_mounts PID: the nsfs mounts in PID's mount table (mountinfo lines).
nsfs_mounts()
{
	awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i + 1) == "nsfs") print; break } }' \
		"/proc/$1/mountinfo" 2>/dev/null
}

# wait_for SECONDS CMD...: poll CMD every 0.1 s for at most SECONDS.
wait_for()
{
	local end
	end=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -lt "$end" ] || return 124
		sleep 0.1
	done
}
