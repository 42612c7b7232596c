#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 15: graphical sessions keep working (tmp_share). Entries of the host's
# /tmp bound into the private /tmp of a set, checked with a real X server
# (Xvfb) in the sandbox (the module's host) and a real client (xdpyinfo) in
# the users' sessions:
#
#   1  without tmp_share, an X server whose abstract socket is off
#      (-nolisten local) is out of reach: its /tmp/.X11-unix is hidden
#   2  tmp_share = .X11-unix, .ICE-unix:rw: /tmp/.X11-unix in the set is a
#      bind of the sandbox's (findmnt, st_dev/st_ino), read-only, nosuid,
#      nodev, noexec, and xdpyinfo reaches the server through the path socket
#      on it (connect(2) on a read-only mount works); .ICE-unix, missing on
#      the host, is made root 1777 there and shared read-write
#   3  with net: the abstract socket is per network namespace, so even a
#      server with it on is out of reach without tmp_share, and reached with it
#   4  host entries anybody can plant are left out, the login goes on: one
#      owned by a user, a symlink, a file
#   5  a symlink or file the user left in a persistent private /tmp at a
#      shared name is removed, not followed
SANDBOX_EXTRA_OVERLAYS=dev # the /dev/log the logsink listens on
. "$(dirname "$0")/lib.sh"
setup
need_module
start_logsink || bail "cannot start the /dev/log listener (build/tests/helpers/logsink)"

command -v Xvfb >/dev/null 2>&1 || bail "Xvfb is needed (apt-get install xvfb)"
command -v xdpyinfo >/dev/null 2>&1 || bail "xdpyinfo is needed (apt-get install x11-utils)"

D_PATH=57 # Xvfb with the path socket only
D_ABST=58 # Xvfb with the abstract socket too

# run_as TAG USER CMD: one login running sh -c CMD as USER; stdout into
# $STATE/TAG.out (out TAG), RC nsiso-pamh's exit status.
run_as()
{
	RC=0
	login "$1" "$2" -- sh -c "$3" >"$STATE/$1.out" || RC=$?
}

out()
{
	cat "$STATE/$1.out" 2>/dev/null || echo MISSING
}

# start_x DISPLAY ARGS...: an Xvfb in the sandbox, up once its path socket is.
XPIDS=""
start_x()
{
	local d
	d=$1
	shift
	Xvfb ":$d" -nolisten tcp "$@" >"$STATE/xvfb$d.log" 2>&1 &
	XPIDS="$XPIDS $!"
	timeout 20 sh -c 'until [ -S "$1" ]; do sleep 0.1; done' _ "/tmp/.X11-unix/X$d" ||
		bail "Xvfb :$d did not come up" "$(cat "$STATE/xvfb$d.log")"
}

stop_x()
{
	for p in $XPIDS; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
}

# What a session sees: the mount on /tmp/NAME (FSROOT and options), its
# dev:ino, and whether xdpyinfo reaches display D.
probe()
{
	cat <<PROBE
for n in .X11-unix .ICE-unix; do
	echo "mnt \$n \$(findmnt -rn -o FSROOT,OPTIONS --mountpoint /tmp/\$n | tail -n 1)"
	echo "id \$n \$(stat -c '%d:%i' /tmp/\$n 2>/dev/null)"
done
if DISPLAY=:$1 xdpyinfo >/dev/null 2>&1; then echo "x ok"; else echo "x fail"; fi
PROBE
}

line()
{
	out "$1" | sed -n "s/^$2 //p"
}

add_user nsiso-a # no tmp_share
add_user nsiso-b # tmp_share
add_user nsiso-c # net, tmp_share
add_user nsiso-d # net, no tmp_share
add_user nsiso-e # tmp_share with entries nobody should share
add_user nsiso-f # a symlink in the private /tmp
write_policy <<EOF
[global]
namespaces = mnt, ipc, uts

[user:nsiso-b]
tmp_share = .X11-unix, .ICE-unix:rw

[user:nsiso-c]
namespaces = mnt, ipc, uts, net
tmp_share = .X11-unix

[user:nsiso-d]
namespaces = mnt, ipc, uts, net

[user:nsiso-e]
tmp_share = .X11-unix, .mine, .link, .file
EOF
write_pam debug

# The sandbox's /tmp as systemd-tmpfiles leaves it: .X11-unix root 1777, no .ICE-unix.
mkdir -m 1777 /tmp/.X11-unix
start_x "$D_PATH" -nolisten local
start_x "$D_ABST"
ok_cmd "the sandbox reaches Xvfb :$D_PATH (path socket)" env DISPLAY=:$D_PATH xdpyinfo
host_x=$(stat -c '%d:%i' /tmp/.X11-unix)

# --- case 1: no tmp_share, abstract socket off
run_as a1 nsiso-a "$(probe "$D_PATH")"
expect_rc a1 "$RC" 0 "nsiso-a (no tmp_share) logs in"
[ "$RC" = 0 ] || diag_file "$SYSLOG"
is "$(line a1 'mnt .X11-unix')" "" "nsiso-a: nothing mounted on /tmp/.X11-unix"
is "$(line a1 x)" "fail" "nsiso-a: xdpyinfo cannot reach :$D_PATH (abstract socket off, path hidden)"
run_as a2 nsiso-a "$(probe "$D_ABST")"
is "$(line a2 x)" "ok" "nsiso-a: xdpyinfo reaches :$D_ABST through the abstract socket (host's net namespace)"

# --- case 2: tmp_share
no_cmd "no .ICE-unix in the sandbox's /tmp before nsiso-b's set" test -e /tmp/.ICE-unix
run_as b1 nsiso-b "$(probe "$D_PATH")
touch /tmp/.X11-unix/b-was-here 2>&1 | sed 's/^/x11write /'
touch /tmp/.ICE-unix/b-ice && echo ice written"
expect_rc b1 "$RC" 0 "nsiso-b (tmp_share) logs in"
is "$(stat -c '%a %U %G' /tmp/.ICE-unix 2>&1)" "1777 root root" \
	"the missing host /tmp/.ICE-unix was made root 1777"
like "$(line b1 'mnt .X11-unix')" '^/\.X11-unix ' "nsiso-b: /tmp/.X11-unix is a bind of the sandbox's /tmp/.X11-unix (FSROOT)"
like "$(line b1 'mnt .X11-unix')" ' ro,nosuid,nodev,noexec' "nsiso-b: /tmp/.X11-unix is ro,nosuid,nodev,noexec"
is "$(line b1 'id .X11-unix')" "$host_x" "nsiso-b: /tmp/.X11-unix has the sandbox's st_dev:st_ino"
like "$(line b1 x11write)" 'Read-only file system' "nsiso-b: /tmp/.X11-unix is read-only (touch fails: EROFS)"
is "$(line b1 x)" "ok" "nsiso-b: xdpyinfo reaches :$D_PATH through /tmp/.X11-unix/X$D_PATH on the read-only bind"
like "$(line b1 'mnt .ICE-unix')" '^/\.ICE-unix rw,nosuid,nodev,noexec' "nsiso-b: /tmp/.ICE-unix is a rw,nosuid,nodev,noexec bind"
is "$(line b1 'id .ICE-unix')" "$(stat -c '%d:%i' /tmp/.ICE-unix)" "nsiso-b: /tmp/.ICE-unix has the sandbox's st_dev:st_ino"
is "$(line b1 ice)" "written" "nsiso-b: a file written in the set's /tmp/.ICE-unix ..."
ok_cmd "... is in the sandbox's /tmp/.ICE-unix" test -f /tmp/.ICE-unix/b-ice

# --- case 3: net
run_as d1 nsiso-d "$(probe "$D_ABST")"
expect_rc d1 "$RC" 0 "nsiso-d (net, no tmp_share) logs in"
is "$(line d1 x)" "fail" "nsiso-d: xdpyinfo cannot reach :$D_ABST (abstract socket of another net namespace)"
run_as c1 nsiso-c "$(probe "$D_ABST")"
expect_rc c1 "$RC" 0 "nsiso-c (net, tmp_share) logs in"
like "$(line c1 'mnt .X11-unix')" '^/\.X11-unix ro,' "nsiso-c: /tmp/.X11-unix is a read-only bind"
is "$(line c1 x)" "ok" "nsiso-c: xdpyinfo reaches :$D_ABST through the path socket"
run_as c2 nsiso-c "$(probe "$D_PATH")"
is "$(line c2 x)" "ok" "nsiso-c: xdpyinfo reaches :$D_PATH too"

# --- case 4: entries nobody should share
mkdir -m 0755 /tmp/.mine
chown nsiso-e /tmp/.mine
ln -s /etc /tmp/.link
: >/tmp/.file
run_as e1 nsiso-e "$(probe "$D_PATH")
for n in .mine .link .file; do echo \"m\$n \$(findmnt -rn -o FSROOT --mountpoint /tmp/\$n)\"; done
ls -A /tmp | sed 's/^/ls /'"
expect_rc e1 "$RC" 0 "nsiso-e logs in although three of its tmp_share entries are unsafe"
is "$(line e1 x)" "ok" "nsiso-e: the safe entry (.X11-unix) is shared"
for n in .mine .link .file; do
	is "$(line e1 "m$n")" "" "nsiso-e: nothing is mounted on /tmp/$n"
done
is "$(out e1 | sed -n 's/^ls //p' | sort | paste -sd ' ' -)" ".X11-unix" \
	"nsiso-e: its private /tmp has .X11-unix only"
is "$(stat -c %U /tmp/.mine) $(readlink /tmp/.link)" "nsiso-e /etc" "the sandbox's planted entries are untouched"
ok_cmd "the login's syslog line warns of the entry owned by nsiso-e" \
	grep -q "user=nsiso-e .*tmp_share: /tmp/.mine is owned by uid $(uid_of nsiso-e), not root: not shared" "$SYSLOG"
ok_cmd "... and of the symlink and the file" \
	sh -c 'grep "user=nsiso-e" "$1" | grep "/tmp/.link is a symlink: not shared" | grep -q "/tmp/.file is not a directory: not shared"' _ "$SYSLOG"

# --- case 5: what the user left in a private /tmp that outlives sets (tmp = persistent)
write_policy <<EOF
[global]
namespaces = mnt, ipc, uts
tmp = persistent
EOF
run_as f1 nsiso-f "ln -s /etc /tmp/.X11-unix && : >/tmp/.ICE-unix && echo planted"
is "$(out f1)" "planted" "nsiso-f planted a symlink and a file in its persistent /tmp"
write_policy <<EOF
[global]
namespaces = mnt, ipc, uts
tmp = persistent
tmp_share = .X11-unix, .ICE-unix:rw
EOF
run_as f2 nsiso-f "$(probe "$D_PATH")
echo \"etc \$(findmnt -rn -o FSROOT,FSTYPE --mountpoint /etc | tail -n 1)\""
expect_rc f2 "$RC" 0 "nsiso-f's next set is made"
like "$(line f2 'mnt .X11-unix')" '^/\.X11-unix ro,' "nsiso-f: /tmp/.X11-unix is the read-only bind, not its symlink"
like "$(line f2 'mnt .ICE-unix')" '^/\.ICE-unix rw,' "nsiso-f: /tmp/.ICE-unix is the read-write bind, not its file"
is "$(line f2 x)" "ok" "nsiso-f: xdpyinfo reaches :$D_PATH"
is "$(line f2 etc)" "$(findmnt -rn -o FSROOT,FSTYPE --mountpoint /etc | tail -n 1)" \
	"nsiso-f: /etc in the set is the sandbox's, nothing was mounted on it through the symlink"

stop_x
kill "$(cat "$STATE/logsink.pid")" 2>/dev/null
done_testing
