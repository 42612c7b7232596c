#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Logins under a real systemd (ssh.service, logind, user@.service, journald),
# with the module installed as the package installs it:
#   - two ssh logins of nsxsd1 share one set (mnt/ipc/uts inodes, /tmp), and
#     it is not PID 1's;
#   - logind's sessions are intact inside it: each login shell's cgroup is
#     its session's scope (/proc/PID/cgroup, loginctl, systemctl), every
#     process of the scope and logind's session leader are in the set;
#   - XDG_RUNTIME_DIR is /run/user/UID, logind's live tmpfs: the same device
#     and mount (mountinfo) inside the set as in PID 1's mount table, and a
#     file written in it from the session shows on the host side;
#   - a mount made on the host after the set shows inside it (slave);
#   - user@UID.service's systemd --user, and a systemd-run --user service,
#     run in the same set (and see the session's /tmp);
#   - nsxsd2's set is another one, with its own manager in it;
#   - journald holds the module's lines for sshd and systemd-user, one
#     create per user, every line with the set's inodes.
# shellcheck source=tests/systemd/lib.sh disable=SC3043,SC2016
. "$(dirname "$0")/lib.sh"
sd_setup nsxsd1 nsxsd2
write_policy <<EOF
[global]
namespaces = mnt, ipc, uts
hostname = %u-sd
EOF
u1=$(uid_of nsxsd1)
u2=$(uid_of nsxsd2)
HOSTNS=$(ns_of 1)

# ---------------------------------------------------------------- two logins of nsxsd1
session_start a1 nsxsd1 || bail "nsxsd1's first ssh login did not come up"
run_facts a1 "nsxsd1 ssh 1: write /tmp/f, report" "echo from-a1 >/tmp/f && $BIN/sdfacts"
F1=$FACTS
set1=$(getf ns "$F1")
for i in $(seq "$NSISO_TEST_NS_N"); do
	isnt "$(field $i "$set1")" "$(field $i "$HOSTNS")" "nsxsd1 ssh 1: $(ns_name $i) namespace is not PID 1's"
done
is "$(getf host "$F1")" nsxsd1-sd "nsxsd1 ssh 1: hostname nsxsd1-sd (the set's UTS namespace)"
session_start a2 nsxsd1 || bail "nsxsd1's second ssh login did not come up"
run_facts a2 "nsxsd1 ssh 2: report" "$BIN/sdfacts"
F2=$FACTS
is "$(getf ns "$F2")" "$set1" "nsxsd1's two ssh logins share one set (mnt/ipc/uts inodes)"
is "$(getf tmp_f "$F2")" from-a1 "nsxsd1 ssh 2 sees /tmp/f written by ssh 1"
ok_cmd "PID 1's /tmp has no /tmp/f" test ! -e /tmp/f

# ---------------------------------------------------------------- logind
s1=$(session_of "$(session_pid a1)")
s2=$(session_of "$(session_pid a2)")
like "$s1" '^[0-9]+$' "nsxsd1 ssh 1: the login shell is in a session scope ($(getf cgroup "$F1"))"
like "$s2" '^[0-9]+$' "nsxsd1 ssh 2: the login shell is in a session scope ($(getf cgroup "$F2"))"
isnt "$s2" "$s1" "the two logins are two logind sessions"
for t in 1:"$s1":"$F1" 2:"$s2":"$F2"; do
	n=${t%%:*}
	s=${t#*:}
	f=${s#*:}
	s=${s%%:*}
	cg=$(getf cgroup "$f")
	is "$cg" "/user.slice/user-$u1.slice/session-$s.scope" "nsxsd1 ssh $n: cgroup (/proc/PID/cgroup) is user-$u1.slice/session-$s.scope"
	is "$(systemctl show -P ControlGroup "session-$s.scope")" "$cg" "nsxsd1 ssh $n: systemd's session-$s.scope has that cgroup"
	show=$(loginctl show-session "$s" -p Name -p Scope -p Service -p State -p Remote 2>&1 | sort | paste -sd ' ' -)
	is "$show" "Name=nsxsd1 Remote=yes Scope=session-$s.scope Service=sshd State=active" "nsxsd1 ssh $n: loginctl show-session $s"
	leader=$(loginctl show-session "$s" -p Leader --value)
	is "$(ns_of "$leader")" "$set1" "nsxsd1 ssh $n: logind's session leader ($(args_of "$leader" | cut -c1-30)) is in the set"
	out=""
	procs=$(cat "/sys/fs/cgroup$cg/cgroup.procs" 2>/dev/null)
	for p in $procs; do
		ns=$(ns_of "$p")
		# (the agent's short-lived pollers may be gone already)
		[ "$ns" = "$set1" ] || [ ! -e "/proc/$p" ] || out="$out $p($(args_of "$p" | cut -c1-30): $ns)"
	done
	procs=$(echo "$procs" | paste -sd ' ' -)
	like "$(echo "$procs" | wc -w)" '^([3-9]|[1-9][0-9]+)$' "nsxsd1 ssh $n: session-$s.scope holds the sshd processes and the shell ($procs)"
	empty "$out" "nsxsd1 ssh $n: every process of session-$s.scope is in the set"
	is "$(getf xdg "$f")" "/run/user/$u1" "nsxsd1 ssh $n: XDG_RUNTIME_DIR is /run/user/$u1"
done
is "$(loginctl show-user nsxsd1 -p Sessions --value | tr ' ' '\n' | sort -n | paste -sd ' ' -)" \
	"$(printf '%s\n' "$s1" "$s2" | sort -n | paste -sd ' ' -)" "loginctl: nsxsd1 has exactly these two sessions"

# ---------------------------------------------------------------- XDG_RUNTIME_DIR
hostdev=$(stat -c %d "/run/user/$u1")
hostmnt=$(awk -v d="/run/user/$u1" '$5 == d { print $3, $9, $4 }' /proc/1/mountinfo | tail -n 1)
like "$hostmnt" '^[0-9]+:[0-9]+ tmpfs /$' "PID 1: /run/user/$u1 is a tmpfs of its own ($hostmnt)"
is "$(getf rundev "$F1")" "$hostdev" "inside the set, /run/user/$u1 is the same device as in PID 1's mount table (st_dev)"
# /proc/sys is read-only here, as in any container: the set's SysV limits
# (tmp_size) are written through a private procfs all the same.
isnt "$(getf shmmax "$F1")" "$(cat /proc/sys/kernel/shmmax)" \
	"the set's kernel.shmmax is its own bound (tmp_size), not PID 1's, with /proc/sys read-only"
is "$(getf runmnt "$F1")" "$hostmnt" "inside the set, /run/user/$u1 is the same mount (mountinfo: MAJ:MIN, type, root)"
run_facts a1 "nsxsd1 ssh 1: write \$XDG_RUNTIME_DIR/live" "echo live-a1 >\"\$XDG_RUNTIME_DIR/live\" && test -S \"\$XDG_RUNTIME_DIR/systemd/private\""
is "$(cat "/run/user/$u1/live" 2>/dev/null || echo ABSENT)" live-a1 "a file the session writes in XDG_RUNTIME_DIR is in PID 1's /run/user/$u1 (the live tmpfs)"
ok_cmd "the user manager's socket is in PID 1's /run/user/$u1 too" test -S "/run/user/$u1/systemd/private"

# A mount made in PID 1's namespace after the set exists shows inside it
# (propagation = slave, the default): what a new /run/user/UID of logind, an
# NFS automount or a USB stick need. It holds only because / is a shared
# mount, as on a real host (sandbox.sh: mount --make-rshared /).
mkdir -p "$W/late"
ok_cmd "PID 1's namespace: a tmpfs on $W/late, after the set was made" \
	sh -c 'mount -t tmpfs -o size=1m nsxsd-late "$1" && echo late-mount >"$1/f"' _ "$W/late"
is "$(session_run a1 "cat $W/late/f")" late-mount "that mount shows inside the set (propagation = slave)"
umount "$W/late"

# ---------------------------------------------------------------- the user manager
m1=$(manager_pid "$u1")
like "$m1" '^[1-9][0-9]*$' "user@$u1.service runs (MainPID $m1)"
is "$(ps -o comm= -p "$m1")/$(ps -o uid= -p "$m1" | tr -d ' ')" "systemd/$u1" "its main process is systemd, as nsxsd1"
like "$(args_of "$m1")" '--user' "... systemd --user"
is "$(ns_of "$m1")" "$set1" "user@$u1.service's systemd --user is in nsxsd1's set"
is "$(cgroup_of "$m1")" "/user.slice/user-$u1.slice/user@$u1.service/init.scope" "... in user@$u1.service's cgroup"
rc=0
FU=$(session_run a1 "systemd-run --user --quiet --pipe --wait --unit=nsxsd-probe $BIN/sdfacts") || rc=$?
is "$rc" 0 "systemd-run --user --pipe --wait (from nsxsd1's shell) exits 0"
[ "$rc" = 0 ] || diag_file "$LAST_ERR"
is "$(getf ns "$FU")" "$set1" "the systemd-run --user service is in nsxsd1's set"
is "$(getf cgroup "$FU")" "/user.slice/user-$u1.slice/user@$u1.service/app.slice/nsxsd-probe.service" \
	"... as a service of user@$u1.service (its cgroup)"
is "$(getf tmp_f "$FU")" from-a1 "... and sees the sessions' /tmp/f"
is "$(getf uid "$FU")" "$u1" "... as nsxsd1"

# ---------------------------------------------------------------- another user
session_start b1 nsxsd2 || bail "nsxsd2's ssh login did not come up"
run_facts b1 "nsxsd2 ssh: report" "$BIN/sdfacts"
FB=$FACTS
set2=$(getf ns "$FB")
for i in $(seq "$NSISO_TEST_NS_N"); do
	ns=$(ns_name $i)
	isnt "$(field $i "$set2")" "$(field $i "$set1")" "nsxsd2's $ns namespace is not nsxsd1's"
	isnt "$(field $i "$set2")" "$(field $i "$HOSTNS")" "nsxsd2's $ns namespace is not PID 1's"
done
is "$(getf tmp_f "$FB")" ABSENT "nsxsd2 does not see nsxsd1's /tmp/f"
is "$(getf host "$FB")" nsxsd2-sd "nsxsd2: hostname nsxsd2-sd"
m2=$(manager_pid "$u2")
is "$(ns_of "$m2")" "$set2" "user@$u2.service's systemd --user is in nsxsd2's set"
sb=$(session_of "$(session_pid b1)")
like "$sb" '^[0-9]+$' "nsxsd2's shell is in a session scope"
is "$(getf cgroup "$FB")" "/user.slice/user-$u2.slice/session-$sb.scope" "... its own, under user-$u2.slice"

# ---------------------------------------------------------------- journald
inodes1="mnt=$(field 1 "$set1") ipc=$(field 2 "$set1") uts=$(field 3 "$set1")"
inodes2="mnt=$(field 1 "$set2") ipc=$(field 2 "$set2") uts=$(field 3 "$set2")"
sshd_lines=$(journalctl -b --no-pager -o cat SYSLOG_IDENTIFIER=sshd 2>&1 | grep -F 'pam_nsiso(sshd:session)')
user_lines=$(journalctl -b --no-pager -o cat 'SYSLOG_IDENTIFIER=(systemd)' 2>&1 | grep -F 'pam_nsiso(systemd-user:session)')
is "$(printf '%s\n' "$sshd_lines" | grep -c -E "action=(create|join) service=sshd user=nsxsd1 uid=$u1 $inodes1\$")" 2 \
	"journal (SYSLOG_IDENTIFIER=sshd): the module's line for each of nsxsd1's two ssh logins, with the set's inodes"
is "$(printf '%s\n' "$sshd_lines" | grep -c -E "action=(create|join) service=sshd user=nsxsd2 uid=$u2 $inodes2\$")" 1 \
	"journal (sshd): the module's line for nsxsd2's login, with its set's inodes"
is "$(printf '%s\n' "$user_lines" | grep -c -E "action=(create|join) service=systemd-user user=nsxsd1 uid=$u1 $inodes1\$")" 1 \
	"journal (SYSLOG_IDENTIFIER=(systemd)): the module's line for nsxsd1's user manager, with the set's inodes"
is "$(printf '%s\n' "$user_lines" | grep -c -E "action=(create|join) service=systemd-user user=nsxsd2 uid=$u2 $inodes2\$")" 1 \
	"journal (systemd-user): the module's line for nsxsd2's user manager"
all=$(printf '%s\n%s\n' "$sshd_lines" "$user_lines")
is "$(printf '%s\n' "$all" | grep -c "action=create .* user=nsxsd1 ")/$(printf '%s\n' "$all" | grep -c "action=create .* user=nsxsd2 ")" 1/1 \
	"one create per user, whichever of sshd and the user manager came first"
empty "$(journalctl -b --no-pager -o cat 2>&1 | grep -F 'pam_nsiso(' | grep -v -E ' action=(create|join) ')" \
	"no other line of the module (no error) while the sessions run"

for t in a1 a2 b1; do
	session_end "$t"
	is "$RC" 0 "ssh session $t ends with exit status 0"
done

done_testing
