#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 12: every session of a set sees the host's current /run/user/UID,
# whatever the propagation. logind mounts a tmpfs there when the user's
# manager starts and empties, unmounts and removes it when it stops; a set
# kept alive (lifetime = boot here, a tmux on a real server) with
# propagation = private kept the old mount, or the empty directory logind
# made next: the next user manager failed ("Failed to allocate manager
# object: Permission denied"). With slave propagation it holds by
# propagation: tested too.
# logind is emulated by the test (root, in the sandbox): mount a tmpfs owned
# by the user at /run/user/UID with a marker file; stop = rm -rf the
# contents, umount -l, rmdir; start = mkdir, a fresh tmpfs, a new marker.
# Facts: st_dev and the marker as a session inside sees them against the
# host's, through a new login and through a session that stayed
# (/proc/PID/root), and the module's syslog line.
SANDBOX_EXTRA_OVERLAYS=dev
. "$(dirname "$0")/lib.sh"
setup
need_module
start_logsink || bail "cannot listen on the sandbox's /dev/log"

add_user nsiso-rp
add_user nsiso-rs
write_policy <<POLICY
[global]
namespaces = mnt, ipc, uts
lifetime   = boot

[user:nsiso-rp]
propagation = private

[user:nsiso-rs]
propagation = slave
POLICY
write_pam

mkdir -p /run/user
chmod 0755 /run/user
# As on a systemd host, where / is shared: a slave set receives the host's
# mounts and unmounts under /run (the sandbox is made with private mounts).
mount --make-shared /run || bail "cannot make the sandbox's /run shared"

# logind_start UID MARKER / logind_stop UID: what user-runtime-dir@UID does.
logind_start()
{
	mkdir -m 0700 "/run/user/$1" &&
		mount -t tmpfs -o "mode=0700,uid=$1,gid=$(id -g "$1"),size=1m" nsiso-test-rundir "/run/user/$1" &&
		echo "$2" >"/run/user/$1/marker"
}
logind_stop()
{
	rm -rf "/run/user/$1/"* && umount -l "/run/user/$1" && rmdir "/run/user/$1"
}
host_dev()
{
	stat -c %d "/run/user/$1" 2>/dev/null || echo NONE
}

# rlogin TAG USER: a login that reports what it sees of its /run/user/UID.
rlogin()
{
	RC=0
	login "$1" "$2" -- sh -c 'd=$1; u=$(id -u); mkdir "$d"
stat -c %d "/run/user/$u" >"$d/dev" 2>/dev/null || echo NONE >"$d/dev"
cat "/run/user/$u/marker" >"$d/marker" 2>/dev/null || echo ABSENT >"$d/marker"
if touch "/run/user/$u/w" 2>/dev/null; then echo yes; else echo no; fi >"$d/writable"' _ "$OUT/$2/$1" || RC=$?
	expect_rc "$1" "$RC" 0 "$3: the login opens"
}
rfact()
{
	cat "$OUT/$1/$2/$3" 2>/dev/null || echo MISSING
}

for prop in private slave; do
	case $prop in
	private) user=nsiso-rp ;;
	slave) user=nsiso-rs ;;
	esac
	uid=$(uid_of "$user")
	logind_start "$uid" one || bail "cannot emulate logind: mount a tmpfs on /run/user/$uid"

	bg_session "$prop-bg" "$user" ":"
	wait_ready "$prop-bg" "$user" || bail "$prop: the first session did not come up" "$(cat "$STATE/$prop-bg.err")"
	bg=$(session_pid "$user" "$prop-bg")

	rlogin "$prop-1" "$user" "$prop, 1st start"
	is "$(rfact "$user" "$prop-1" dev)" "$(host_dev "$uid")" "$prop: a session sees the host's /run/user/$uid (st_dev)"
	is "$(rfact "$user" "$prop-1" marker)/$(rfact "$user" "$prop-1" writable)" "one/yes" \
		"$prop: ... with its content, writable by the user"

	logind_stop "$uid" && logind_start "$uid" two || bail "cannot emulate logind's restart"
	rlogin "$prop-2" "$user" "$prop, after a restart of the user manager"
	is "$(rfact "$user" "$prop-2" dev)" "$(host_dev "$uid")" \
		"$prop: after logind's stop and start, a new session sees the host's new /run/user/$uid"
	is "$(rfact "$user" "$prop-2" marker)/$(rfact "$user" "$prop-2" writable)" "two/yes" \
		"$prop: ... its content, writable: not a stale mount, not an empty directory"
	is "$(cat "/proc/$bg/root/run/user/$uid/marker" 2>/dev/null || echo ABSENT)" "two" \
		"$prop: the session that stayed in the set sees it too"
	if [ "$prop" = private ]; then
		like "$(cat "$SYSLOG")" "action=join service=nsiso-test user=$user uid=$uid .*the set's /run/user/UID was stale: now the host's" \
			"$prop: the join's syslog line says it replaced a stale /run/user/UID"
	fi

	# The host has none mounted (an administrator's umount: the directory stays).
	umount -l "/run/user/$uid"
	rlogin "$prop-3" "$user" "$prop, no mount on the host"
	is "$(rfact "$user" "$prop-3" dev)/$(rfact "$user" "$prop-3" marker)" "$(host_dev "$uid")/ABSENT" \
		"$prop: the host has nothing mounted on /run/user/$uid: neither does the set (no stale mount)"

	# logind's stop removes the directory too; its next start mounts a new one.
	rmdir "/run/user/$uid"
	rlogin "$prop-4" "$user" "$prop, no /run/user/$uid on the host"
	is "$(rfact "$user" "$prop-4" dev)" "NONE" "$prop: no /run/user/$uid on the host: none in the set"
	logind_start "$uid" three || bail "cannot emulate logind's start"
	rlogin "$prop-5" "$user" "$prop, a new start"
	is "$(rfact "$user" "$prop-5" dev)/$(rfact "$user" "$prop-5" marker)" "$(host_dev "$uid")/three" \
		"$prop: the next start's /run/user/$uid is the set's too"

	finish "$prop-bg"
	logind_stop "$uid"
done

done_testing
