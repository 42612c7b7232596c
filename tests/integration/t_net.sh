#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 4: a private network namespace per user (namespaces = ..., net).
#
#   1  loopback: all of a user's sessions share one net namespace with only lo,
#      up; a TCP listener on 127.0.0.1 in one session is reachable from the
#      user's other sessions, not from the sandbox (the module's host), not
#      from another user's set
#   2  /sys inside is a sysfs of the set's net namespace (/sys/class/net: lo
#      only), read-only exactly when the host's is, with the host's
#      /sys/fs/cgroup tree carried over
#   3  /etc/netns/NAME/* replace their /etc counterparts inside, the host's
#      /etc is unchanged; an unsafe /etc/netns/NAME refuses the set
#   4  netns_name: /run/netns/NAME is the set's namespace (ip netns list/exec);
#      tear-down removes it and no mount table keeps the pin; inside a set no
#      named namespace is held
#   5  the example hook config/nsiso-net-hook: eth0 with the uid-derived
#      address, default route, real TCP to a listener on the bridge address;
#      another user gets another address and cannot reach the first over the
#      (isolated) bridge; tear-down removes the veth and the name; a set
#      rebuilt while the old namespace lingers (lifetime = session) gets the
#      stale veth replaced; a set made by a login started inside another
#      user's set still gets its host side on the host
#   6  hook failures: exit 1, time-out (30 s), unsafe hook (group-writable, in a
#      world-writable dir, a symlink, not root-owned: refused without running
#      it), on_error = allow; the hook's environment, stdin, fds, arguments
#      and namespaces
#
# The sandbox gets a veth pair sbx0/sbx1 and a sysfs of its own net namespace first,
# so that "the sandbox's /sys/class/net" differs visibly from a set's.
. "$(dirname "$0")/lib.sh"
setup
need_module

command -v python3 >/dev/null 2>&1 || bail "python3 is needed for the socket tests"
command -v nsenter >/dev/null 2>&1 || bail "nsenter (util-linux) is needed by the example hook"

HOOKS=$CONFDIR/hooks # root 0755
NAMEPFX=nsiso-       # netns_name = nsiso-%u
PORT_LO=47101        # listener on 127.0.0.1 in nsiso-a's set
PORT_BR=47102        # listener on the bridge address in the sandbox
PORT_H2=47103        # listener on nsiso-h2's eth0 address in its set
SANDBOX_NET=$(stat -L -c %i /proc/$$/ns/net)

# ---------------------------------------------------------------- helpers

# run_as TAG USER CMD: one login running sh -c CMD as USER; its stdout goes
# to $STATE/TAG.out (read with out TAG), RC is nsiso-pamh's exit status.
run_as()
{
	local tag user
	tag=$1
	user=$2
	RC=0
	login "$tag" "$user" -- sh -c "$3" >"$STATE/$tag.out" || RC=$?
}

out()
{
	cat "$STATE/$1.out" 2>/dev/null || echo MISSING
}

# nfact USER DIR NAME: a fact written by $BIN/netreport (or MISSING).
nfact()
{
	cat "$OUT/$1/$2/$3" 2>/dev/null || echo MISSING
}

# expect_addr UID: the address config/nsiso-net-hook gives UID (UID_BASE=0):
# h = uid + 1, 10.213.(h / 254).(h % 254 + 1). Written out here on purpose,
# independently of the hook's code.
expect_addr()
{
	local h
	h=$(($1 + 1))
	echo "10.213.$((h / 254)).$((h % 254 + 1))"
}

# dead PID: the process is gone (or a zombie nobody reaped yet).
dead()
{
	[ ! -e "/proc/$1" ] || grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# wait_dead PID: until dead (at most 10 s).
wait_dead()
{
	local i
	i=0
	while ! dead "$1"; do
		[ "$i" -lt 200 ] || return 1
		sleep 0.05
		i=$((i + 1))
	done
}

# wait_link_gone DEV: until DEV no longer exists here (net namespace clean-up
# is asynchronous in the kernel), at most 20 s.
wait_link_gone()
{
	timeout 20 sh -c 'while ip link show dev "$1" >/dev/null 2>&1; do sleep 0.1; done' _ "$1"
}

# net_refs INODE: mount table lines on the machine that are nsfs mounts of
# the net namespace INODE.
net_refs()
{
	grep -H " net:\[$1\] " /proc/[0-9]*/mountinfo 2>/dev/null || true
}

# no_pins UID NAME: nothing of UID's set is left (pins, record, /run/netns/NAME).
no_pins()
{
	[ -z "$(pins_of "$1")" ] && [ ! -e "/run/nsiso/ns/$1" ] && [ ! -e "/run/nsiso/mnt/$1" ] &&
		[ ! -e "/run/nsiso/users/$1/set" ] && [ ! -e "/run/netns/$2" ] &&
		! findmnt -rn -o TARGET | grep -q -E "^(/run/nsiso/ns/$1/|/run/netns/$2\$)"
}

write_net_scripts()
{
	# netreport DIR: the network facts of the calling process, one file each.
	cat >"$BIN/netreport" <<'EOF'
#!/bin/sh
d=$1
mkdir "$d" || exit 1
stat -L -c %i /proc/self/ns/net >"$d/netns"
stat -L -c %i /proc/self/ns/mnt >"$d/mntns"
ip -br link | awk '{ sub(/@.*/, "", $1); print $1 }' | sort | paste -sd ' ' - >"$d/links"
ip -o link show lo | sed -n 's/^[0-9]*: lo: <\([^>]*\)>.*/\1/p' >"$d/lo_flags"
for f in /sys/class/net/*; do [ -L "$f" ] && echo "${f##*/}"; done | sort | paste -sd ' ' - >"$d/sysnet"
findmnt -no FSTYPE --mountpoint /sys | tail -n 1 >"$d/sys_fstype"
findmnt -no OPTIONS --mountpoint /sys | tail -n 1 | tr , '\n' | grep -x -E 'ro|rw' >"$d/sys_ro"
findmnt -rn -R -o TARGET,FSTYPE /sys/fs/cgroup >"$d/cgroup"
cat /etc/resolv.conf >"$d/resolv" 2>&1
cat /etc/hosts >"$d/hosts" 2>&1
if [ -e /etc/nsiso-only ]; then echo PRESENT; else echo ABSENT; fi >"$d/etc_only"
findmnt -rn -t nsfs >"$d/nsfs" 2>&1
ls -A /run/netns >"$d/run_netns" 2>&1
ip -4 -o addr show dev eth0 2>/dev/null | awk '{ print $4 }' >"$d/eth0_addr"
ip route show default >"$d/route" 2>&1
exit 0
EOF
	# listen ADDR PORT TOKEN READY: answer each TCP connection with TOKEN, for
	# at most 120 s; READY gets the pid once the socket listens.
	cat >"$BIN/listen" <<'EOF'
#!/usr/bin/env python3
import os, socket, sys, time
addr, port, token, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port))
s.listen(16)
with open(ready + ".tmp", "w") as f:
    f.write("%d\n" % os.getpid())
os.rename(ready + ".tmp", ready)
end = time.monotonic() + 120
while time.monotonic() < end:
    s.settimeout(max(0.1, end - time.monotonic()))
    try:
        c, _ = s.accept()
    except socket.timeout:
        break
    c.sendall((token + "\n").encode())
    c.close()
EOF
	# connect ADDR PORT [SECONDS]: print the listener's token, or FAIL <why>.
	cat >"$BIN/connect" <<'EOF'
#!/usr/bin/env python3
import socket, sys
addr, port = sys.argv[1], int(sys.argv[2])
t = float(sys.argv[3]) if len(sys.argv) > 3 else 3.0
try:
    with socket.create_connection((addr, port), timeout=t) as c:
        print(c.makefile().readline().strip() or "FAIL empty")
except OSError as e:
    print("FAIL " + type(e).__name__)
EOF
	# waitfor FILE: until FILE exists (at most 15 s).
	printf '#!/bin/sh\ntimeout 15 sh -c '\''until [ -s "$1" ]; do sleep 0.05; done'\'' _ "$1"\n' >"$BIN/waitfor"
	chmod 0755 "$BIN/netreport" "$BIN/listen" "$BIN/connect" "$BIN/waitfor"
}

# hook NAME < TEXT: a root-owned 0755 hook in $HOOKS.
hook()
{
	cat >"$HOOKS/$1"
	chown root:root "$HOOKS/$1"
	chmod 0755 "$HOOKS/$1"
}

# ---------------------------------------------------------------- sandbox

write_net_scripts
mkdir -p "$HOOKS"
chown root:root "$HOOKS"
chmod 0755 "$HOOKS"

# (a veth pair, not a dummy device: the dummy driver is not in every kernel)
if ! ip link add sbx0 type veth peer name sbx1 || ! ip link set sbx0 up; then
	bail "cannot add a veth pair sbx0/sbx1 in the sandbox"
fi
# A sysfs of the sandbox's own net namespace (the inherited one shows the real
# machine's devices), with the cgroup tree carried over as the module does.
mkdir -p "$STATE/cg"
if mountpoint -q /sys/fs/cgroup; then
	mount --rbind /sys/fs/cgroup "$STATE/cg" || bail "cannot keep /sys/fs/cgroup aside"
fi
if ! umount -l /sys || ! mount -t sysfs -o nosuid,nodev,noexec sandbox-sys /sys; then
	bail "cannot mount a sysfs for the sandbox's net namespace"
fi
if mountpoint -q "$STATE/cg"; then
	mount --move "$STATE/cg" /sys/fs/cgroup || bail "cannot put /sys/fs/cgroup back"
fi
sandbox_sysnet=$(for f in /sys/class/net/*; do [ -L "$f" ] && echo "${f##*/}"; done | sort | paste -sd ' ' -)
is "$sandbox_sysnet" "lo sbx0 sbx1" "sandbox: /sys/class/net shows lo, sbx0 and sbx1"
sandbox_cgroup=$(findmnt -rn -R -o TARGET,FSTYPE /sys/fs/cgroup)

[ -e /etc/resolv.conf ] || echo "nameserver 192.0.2.99" >/etc/resolv.conf
[ -e /etc/hosts ] || echo "127.0.0.1 localhost" >/etc/hosts
sandbox_resolv=$(cat /etc/resolv.conf)
sandbox_hosts=$(cat /etc/hosts)
# nsiso-a's /etc/netns files; nsiso-only has no /etc counterpart (skipped).
mkdir -p "/etc/netns/${NAMEPFX}nsiso-a"
chmod 0755 /etc/netns "/etc/netns/${NAMEPFX}nsiso-a"
echo "nameserver 192.0.2.53 # nsiso-a's" >"/etc/netns/${NAMEPFX}nsiso-a/resolv.conf"
echo "192.0.2.7 only-in-nsiso-a" >"/etc/netns/${NAMEPFX}nsiso-a/hosts"
echo "x" >"/etc/netns/${NAMEPFX}nsiso-a/nsiso-only"
# nsiso-u's is writable by everybody: the set must be refused.
mkdir -p "/etc/netns/${NAMEPFX}nsiso-u"
echo "nameserver 192.0.2.66" >"/etc/netns/${NAMEPFX}nsiso-u/resolv.conf"
chmod 0777 "/etc/netns/${NAMEPFX}nsiso-u"

for u in a b r u h1 h2 h3 h4 f1 f2 f3 f4 f5 f6 m e oa; do
	add_user "nsiso-$u"
done
uid_a=$(uid_of nsiso-a)
uid_b=$(uid_of nsiso-b)
uid_h1=$(uid_of nsiso-h1)
uid_h2=$(uid_of nsiso-h2)
uid_h3=$(uid_of nsiso-h3)
uid_h4=$(uid_of nsiso-h4)

# ---------------------------------------------------------------- hooks

install -o root -g root -m 0755 "$TOP/config/nsiso-net-hook" "$HOOKS/nsiso-net-hook"
hook fail <<'EOF'
#!/bin/sh
echo "the test hook says no"
exit 1
EOF
hook slow <<EOF
#!/bin/sh
echo \$\$ >$STATE/slow.pid
sleep 60 &
echo \$! >$STATE/slow-sleep.pid
wait
EOF
# mark: leaves $STATE/ran-USER when it runs (copied for each unsafe variant).
hook mark <<EOF
#!/bin/sh
: >$STATE/ran-\$1
exit 0
EOF
install -o root -g root -m 0775 "$HOOKS/mark" "$HOOKS/mark-gw"
mkdir -p "$CONFDIR/ww"
chmod 0777 "$CONFDIR/ww"
install -o root -g root -m 0755 "$HOOKS/mark" "$CONFDIR/ww/mark"
ln -sf "$HOOKS/mark" "$HOOKS/mark-link"
install -o nsiso-f6 -g root -m 0755 "$HOOKS/mark" "$HOOKS/mark-notroot"
# envdump: notes its arguments, then waits (at most 20 s) for $STATE/hookenv/go
# so that the test can look at the running hook from outside (/proc/PID): its
# environment and fds as the module made them, not disturbed by the shell's
# own redirections.
hook envdump <<EOF
#!/bin/sh
d=$STATE/hookenv
mkdir -p \$d
printf '%s\\n' "\$@" >\$d/args
echo "\$0" >\$d/argv0
stat -L -c %i "\$3" >\$d/pin_ino 2>&1
echo \$\$ >\$d/pid.tmp
mv \$d/pid.tmp \$d/pid
i=0
until [ -e \$d/go ] || [ \$i -ge 200 ]; do
	sleep 0.1
	i=\$((i + 1))
done
exit 0
EOF

write_policy <<EOF
[global]
namespaces = mnt, ipc, uts, net
netns_name = ${NAMEPFX}%u

[user:nsiso-h1]
net = hook
net_hook = $HOOKS/nsiso-net-hook

[user:nsiso-h2]
net = hook
net_hook = $HOOKS/nsiso-net-hook

[user:nsiso-h4]
net = hook
net_hook = $HOOKS/nsiso-net-hook

[user:nsiso-h3]
net = hook
net_hook = $HOOKS/nsiso-net-hook
lifetime = session

[user:nsiso-f1]
net = hook
net_hook = $HOOKS/fail

[user:nsiso-f2]
net = hook
net_hook = $HOOKS/slow

[user:nsiso-m]
net = hook
net_hook = $HOOKS/mark

[user:nsiso-f3]
net = hook
net_hook = $HOOKS/mark-gw

[user:nsiso-f4]
net = hook
net_hook = $CONFDIR/ww/mark

[user:nsiso-f5]
net = hook
net_hook = $HOOKS/mark-link

[user:nsiso-f6]
net = hook
net_hook = $HOOKS/mark-notroot

[user:nsiso-e]
net = hook
net_hook = $HOOKS/envdump
EOF
write_pam debug

# ================================================================ 1 loopback
bg_session a1 nsiso-a "$BIN/listen 127.0.0.1 $PORT_LO token-a $OUT/nsiso-a/listen.pid 2>$OUT/nsiso-a/listen.err &
$BIN/waitfor $OUT/nsiso-a/listen.pid
$BIN/netreport $OUT/nsiso-a/a1net"
if ! wait_ready a1 nsiso-a; then
	finish a1
	bail "nsiso-a's first session did not come up (exit status $RC)" "$(cat "$STATE/a1.err")"
fi
listener_a=$(cat "$OUT/nsiso-a/listen.pid" 2>/dev/null || echo none)
net_a=$(nfact nsiso-a a1net netns)
is "$(stat -L -c %i "/proc/$(session_pid nsiso-a a1)/ns/net" 2>&1)" "$net_a" "loopback: session 1's shell is in the net namespace it reports"
isnt "$net_a" "$SANDBOX_NET" "loopback: nsiso-a's net namespace is not the sandbox's"
is "$(stat -L -c %i "/proc/$listener_a/ns/net" 2>&1)" "$net_a" "loopback: the listener (pid $listener_a) is in nsiso-a's net namespace"
is "$(nfact nsiso-a a1net links)" "lo" "loopback: only lo exists inside (ip -br link)"
case ",$(nfact nsiso-a a1net lo_flags)," in
*,UP,*) pass "loopback: lo is UP inside ($(nfact nsiso-a a1net lo_flags))" ;;
*) fail "loopback: lo is UP inside" "flags: $(nfact nsiso-a a1net lo_flags)" ;;
esac

run_as a2 nsiso-a "$BIN/netreport $OUT/nsiso-a/a2net; $BIN/connect 127.0.0.1 $PORT_LO"
expect_rc a2 "$RC" 0 "loopback: nsiso-a's second (concurrent) session opens"
is "$(nfact nsiso-a a2net netns)" "$net_a" "loopback: session 2 is in the same net namespace as session 1"
is "$(out a2)" "token-a" "loopback: session 2 reaches session 1's listener on 127.0.0.1:$PORT_LO"

is "$("$BIN/connect" 127.0.0.1 $PORT_LO)" "FAIL ConnectionRefusedError" "loopback: the sandbox cannot reach it (refused)"

run_as b1 nsiso-b "$BIN/netreport $OUT/nsiso-b/b1net; $BIN/connect 127.0.0.1 $PORT_LO"
expect_rc b1 "$RC" 0 "loopback: nsiso-b's session opens"
net_b=$(nfact nsiso-b b1net netns)
isnt "$net_b" "$net_a" "loopback: nsiso-b has a net namespace of its own, not nsiso-a's"
isnt "$net_b" "$SANDBOX_NET" "loopback: ... and not the sandbox's"
is "$(out b1)" "FAIL ConnectionRefusedError" "loopback: nsiso-b cannot reach nsiso-a's listener (refused)"
is "$(nfact nsiso-b b1net links)" "lo" "loopback: only lo in nsiso-b's set too"

# The same port is free in the sandbox: a listener there answers the sandbox only.
"$BIN/listen" 127.0.0.1 $PORT_LO token-sandbox "$STATE/sl.pid" &
if "$BIN/waitfor" "$STATE/sl.pid"; then
	pass "loopback: the sandbox can bind 127.0.0.1:$PORT_LO too (a different port space)"
else
	fail "loopback: the sandbox can bind 127.0.0.1:$PORT_LO too (a different port space)"
fi
is "$("$BIN/connect" 127.0.0.1 $PORT_LO)" "token-sandbox" "loopback: the sandbox reaches its own listener"
run_as a3 nsiso-a "$BIN/connect 127.0.0.1 $PORT_LO"
is "$(out a3)" "token-a" "loopback: nsiso-a still reaches its own, not the sandbox's"
kill "$(cat "$STATE/sl.pid" 2>/dev/null)" 2>/dev/null

# ================================================================ 2 /sys
is "$(nfact nsiso-a a1net sysnet)" "lo" "sys: /sys/class/net inside lists only lo"
is "$(nfact nsiso-a a1net sys_fstype)" "sysfs" "sys: /sys inside is a sysfs"
is "$(nfact nsiso-a a1net sys_ro)" "rw" "sys: /sys inside is rw, as the sandbox's is"
is "$(nfact nsiso-a a1net cgroup)" "$sandbox_cgroup" "sys: /sys/fs/cgroup inside is the sandbox's tree (mounts and types)"
is "$(for f in /sys/class/net/*; do [ -L "$f" ] && echo "${f##*/}"; done | sort | paste -sd ' ' -)" \
	"lo sbx0 sbx1" "sys: the sandbox's /sys/class/net is unchanged"

mount -o remount,bind,ro /sys || fail "sys: cannot make the sandbox's /sys read-only"
run_as r1 nsiso-r "$BIN/netreport $OUT/nsiso-r/r1net"
mount -o remount,bind,rw /sys
expect_rc r1 "$RC" 0 "sys: nsiso-r's session opens while the sandbox's /sys is read-only"
is "$(nfact nsiso-r r1net sys_ro)" "ro" "sys: /sys inside is read-only when the host's is"
is "$(nfact nsiso-r r1net sysnet)" "lo" "sys: ... and still lists only lo"
is "$(nfact nsiso-r r1net cgroup)" "$sandbox_cgroup" "sys: ... with the cgroup tree carried over"

# ================================================================ 3 /etc/netns
is "$(nfact nsiso-a a1net resolv)" "nameserver 192.0.2.53 # nsiso-a's" "etc: /etc/netns/${NAMEPFX}nsiso-a/resolv.conf is /etc/resolv.conf inside"
is "$(nfact nsiso-a a1net hosts)" "192.0.2.7 only-in-nsiso-a" "etc: /etc/netns/${NAMEPFX}nsiso-a/hosts is /etc/hosts inside"
is "$(nfact nsiso-a a1net etc_only)" "ABSENT" "etc: a file without an /etc counterpart is not added"
is "$(nfact nsiso-b b1net resolv)" "$sandbox_resolv" "etc: nsiso-b (no /etc/netns dir) sees the host's resolv.conf"
is "$(cat /etc/resolv.conf)" "$sandbox_resolv" "etc: the sandbox's /etc/resolv.conf is unchanged"
is "$(cat /etc/hosts)" "$sandbox_hosts" "etc: the sandbox's /etc/hosts is unchanged"
run_as u1 nsiso-u ":"
expect_rc u1 "$RC" 3 "etc: a world-writable /etc/netns/${NAMEPFX}nsiso-u refuses the login"
ok_cmd "etc: ... and leaves nothing of nsiso-u's set" no_pins "$(uid_of nsiso-u)" "${NAMEPFX}nsiso-u"

# ================================================================ 4 netns_name
name_a=${NAMEPFX}nsiso-a
ok_cmd "name: ip netns list shows $name_a" sh -c "ip netns list | awk '{ print \$1 }' | grep -qx '$name_a'"
is "$(stat -L -c %i "/run/netns/$name_a" 2>&1)" "$net_a" "name: /run/netns/$name_a is nsiso-a's net namespace"
is "$(ip netns exec "$name_a" ip -br link 2>/dev/null | awk '{ print $1 }' | paste -sd ' ' -)" "lo" \
	"name: ip netns exec $name_a ip -br link shows the set's lo only"
# (ip netns exec warns on stderr about nsiso-only, which has no /etc counterpart)
is "$(ip netns exec "$name_a" "$BIN/connect" 127.0.0.1 $PORT_LO 2>/dev/null)" "token-a" \
	"name: ip netns exec $name_a reaches nsiso-a's 127.0.0.1 listener"
is "$(nfact nsiso-a a2net nsfs)" "" "name: inside nsiso-a's set no nsfs mount (no named namespace held)"
is "$(nfact nsiso-b b1net nsfs)" "" "name: inside nsiso-b's set no nsfs mount"
# Inside a set /run/netns is covered: no other user's namespace name shows.
is "$(nfact nsiso-b b1net run_netns | paste -sd ' ' -)" "" "name: inside nsiso-b's set /run/netns lists nothing"
ok_cmd "name: nsiso-b's set was torn down with its name (one session, processes)" \
	no_pins "$uid_b" "${NAMEPFX}nsiso-b"

# Witness made while the pins exist: a slave mount namespace (a service with PrivateTmp=).
unshare --mount --propagation slave sleep 300 &
witness=$!
timeout "$WAIT_TIMEOUT" sh -c 'until [ "$(stat -L -c %i /proc/$1/ns/mnt)" != "$2" ]; do sleep 0.05; done' \
	_ "$witness" "$(field 1 "$SANDBOX_NS")"
ok_cmd "name: a slave mount namespace made now has copies of the pin" \
	grep -q " net:\[$net_a\] .*/run/netns/$name_a " "/proc/$witness/mountinfo"
# Keep the namespace (not a pin) so its inode number cannot be reused meanwhile.
sh -c 'exec sleep 300' 7<"/proc/$listener_a/ns/net" &
hold_a=$!
timeout 10 sh -c 'until [ -e "/proc/$1/fd/7" ]; do sleep 0.02; done' _ "$hold_a"
is "$(stat -L -c %i "/proc/$hold_a/fd/7" 2>&1)" "$net_a" "name: a root process holds nsiso-a's net namespace by fd (no pin, no member)"

kill "$listener_a"
wait_dead "$listener_a" || fail "name: nsiso-a's listener did not go away"
finish a1
expect_rc a1 "$RC" 0 "name: nsiso-a's last session closes"
ok_cmd "name: tear-down removed /run/netns/$name_a and every pin of nsiso-a" no_pins "$uid_a" "$name_a"
no_cmd "name: ip netns list no longer shows $name_a" sh -c "ip netns list | awk '{ print \$1 }' | grep -qx '$name_a'"
is "$(net_refs "$net_a")" "" "name: no /proc/*/mountinfo holds nsiso-a's net namespace (witness included)"
ok_cmd "name: the witness is still alive" test -r "/proc/$witness/mountinfo"
kill "$witness" "$hold_a" 2>/dev/null

# ================================================================ 5 the example hook
bg_session h1 nsiso-h1 "$BIN/netreport $OUT/nsiso-h1/h1net"
wait_ready h1 nsiso-h1 || bail "hook: nsiso-h1's first session did not come up" "$(cat "$STATE/h1.err")"
bg_session h2 nsiso-h2 "$BIN/listen 0.0.0.0 $PORT_H2 token-h2 $OUT/nsiso-h2/listen.pid 2>$OUT/nsiso-h2/listen.err &
$BIN/waitfor $OUT/nsiso-h2/listen.pid
$BIN/netreport $OUT/nsiso-h2/h2net"
wait_ready h2 nsiso-h2 || bail "hook: nsiso-h2's first session did not come up" "$(cat "$STATE/h2.err")"
listener_h2=$(cat "$OUT/nsiso-h2/listen.pid" 2>/dev/null || echo none)

addr_h1=$(expect_addr "$uid_h1")
addr_h2=$(expect_addr "$uid_h2")
is "$(nfact nsiso-h1 h1net eth0_addr)" "$addr_h1/16" "hook: nsiso-h1 (uid $uid_h1) has eth0 $addr_h1/16"
is "$(nfact nsiso-h2 h2net eth0_addr)" "$addr_h2/16" "hook: nsiso-h2 (uid $uid_h2) has eth0 $addr_h2/16"
isnt "$addr_h1" "$addr_h2" "hook: the two users' addresses differ"
is "$(nfact nsiso-h1 h1net links)" "eth0 lo" "hook: inside nsiso-h1's set: eth0 and lo"
is "$(nfact nsiso-h1 h1net sysnet)" "eth0 lo" "hook: /sys/class/net inside shows the set's eth0 too"
ok_cmd "hook: default route via the bridge address" \
	grep -q "^default via 10.213.0.1 dev eth0" "$OUT/nsiso-h1/h1net/route"
ok_cmd "hook: the sandbox has bridge nsiso0 with 10.213.0.1/16" \
	sh -c 'ip -4 -o addr show dev nsiso0 | grep -q " 10.213.0.1/16 "'
for uid in "$uid_h1" "$uid_h2"; do
	ok_cmd "hook: nsv$uid (a host side) is a port of nsiso0" \
		sh -c "ip -o link show dev nsv$uid | grep -q ' master nsiso0 '"
done

"$BIN/listen" 10.213.0.1 $PORT_BR token-bridge "$STATE/bl.pid" &
"$BIN/waitfor" "$STATE/bl.pid" || fail "hook: the sandbox's listener on 10.213.0.1:$PORT_BR did not start"
run_as h1b nsiso-h1 "$BIN/connect 10.213.0.1 $PORT_BR"
expect_rc h1b "$RC" 0 "hook: nsiso-h1's second session opens"
is "$(out h1b)" "token-bridge" "hook: nsiso-h1 reaches the listener on the bridge address 10.213.0.1:$PORT_BR"
run_as h2b nsiso-h2 "$BIN/connect 10.213.0.1 $PORT_BR"
is "$(out h2b)" "token-bridge" "hook: nsiso-h2 reaches it too"
is "$("$BIN/connect" "$addr_h2" $PORT_H2)" "token-h2" "hook: the sandbox reaches nsiso-h2's listener at $addr_h2"
run_as h1c nsiso-h1 "$BIN/connect $addr_h2 $PORT_H2 2"
case $(out h1c) in
FAIL*) pass "hook: nsiso-h1 cannot reach nsiso-h2's listener over the isolated bridge ($(out h1c))" ;;
*) fail "hook: nsiso-h1 cannot reach nsiso-h2's listener over the isolated bridge" "got: $(out h1c)" ;;
esac
ok_cmd "hook: ip netns exec ${NAMEPFX}nsiso-h1 shows eth0 $addr_h1" \
	sh -c "ip netns exec ${NAMEPFX}nsiso-h1 ip -4 -o addr show dev eth0 | grep -q ' $addr_h1/16 '"
# A set made from inside another user's set (root in nsiso-h1's set logs
# nsiso-h4 in, as `su - nsiso-h4` from there would): the login goes back to
# the host first, so the hook puts the host side in the host's namespace.
h1pid=$(session_pid nsiso-h1 h1)
cat >"$STATE/pamh-in-h1" <<EOF
#!/bin/sh
exec nsenter --target $h1pid --mount --ipc --uts --net -- \\
	sh -c 'stat -L -c %i /proc/self/ns/net >$STATE/h4.from; exec "\$0" "\$@"' $PAMH "\$@"
EOF
chmod 0755 "$STATE/pamh-in-h1"
saved_pamh=$PAMH
PAMH=$STATE/pamh-in-h1
bg_session h4 nsiso-h4 "$BIN/netreport $OUT/nsiso-h4/h4net
$BIN/connect 10.213.0.1 $PORT_BR >$OUT/nsiso-h4/h4.conn"
PAMH=$saved_pamh
if wait_ready h4 nsiso-h4; then
	pass "from a set: nsiso-h4's login started inside nsiso-h1's set opens"
	net_h1=$(stat -L -c %i "/proc/$h1pid/ns/net")
	is "$(cat "$STATE/h4.from" 2>&1)" "$net_h1" "from a set: the PAM caller started in nsiso-h1's net namespace"
	isnt "$(nfact nsiso-h4 h4net netns)" "$net_h1" "from a set: nsiso-h4's net namespace is not nsiso-h1's"
	isnt "$(nfact nsiso-h4 h4net netns)" "$SANDBOX_NET" "from a set: ... nor the sandbox's"
	is "$(nfact nsiso-h4 h4net eth0_addr)" "$(expect_addr "$uid_h4")/16" "from a set: nsiso-h4 has its own address"
	ok_cmd "from a set: nsv$uid_h4 is on the host (the sandbox), a port of nsiso0" \
		sh -c "ip -o link show dev nsv$uid_h4 | grep -q ' master nsiso0 '"
	no_cmd "from a set: ... and not in nsiso-h1's namespace" \
		nsenter --net="/proc/$h1pid/ns/net" ip link show dev "nsv$uid_h4"
	is "$(cat "$OUT/nsiso-h4/h4.conn" 2>&1)" "token-bridge" "from a set: nsiso-h4 reaches the bridge listener"
else
	fail "from a set: nsiso-h4's login started inside nsiso-h1's set opens" "$(cat "$STATE/h4.err")"
fi
finish h4
expect_rc h4 "$RC" 0 "from a set: nsiso-h4's session closes"
ok_cmd "from a set: nsv$uid_h4 is gone after it" wait_link_gone "nsv$uid_h4"

kill "$(cat "$STATE/bl.pid" 2>/dev/null)" "$listener_h2" 2>/dev/null

finish h1
expect_rc h1 "$RC" 0 "hook: nsiso-h1's last session closes"
finish h2
expect_rc h2 "$RC" 0 "hook: nsiso-h2's last session closes"
for u in h1 h2; do
	uid=$(uid_of "nsiso-$u")
	ok_cmd "hook: tear-down: nsv$uid is gone" wait_link_gone "nsv$uid"
	ok_cmd "hook: tear-down: /run/netns/${NAMEPFX}nsiso-$u and every pin are gone" \
		no_pins "$uid" "${NAMEPFX}nsiso-$u"
done

# The hook again for a new set of the same user: bridge already there.
run_as h1d nsiso-h1 "$BIN/netreport $OUT/nsiso-h1/h1d; $BIN/connect 10.213.0.1 $PORT_BR 2"
expect_rc h1d "$RC" 0 "hook: nsiso-h1's next login (new set, bridge exists) opens"
is "$(nfact nsiso-h1 h1d eth0_addr)" "$addr_h1/16" "hook: ... with the same address again"
ok_cmd "hook: ... and its veth is gone again after it" wait_link_gone "nsv$uid_h1"

# A stale host side: lifetime = session, a process keeps the old namespace.
run_as h3a nsiso-h3 "setsid sleep 300 </dev/null >/dev/null 2>&1 & echo \$!"
expect_rc h3a "$RC" 0 "hook: nsiso-h3 (lifetime = session) logs in, leaves a process, logs out"
bg_h3=$(out h3a)
old_net_h3=$(stat -L -c %i "/proc/$bg_h3/ns/net" 2>&1)
ok_cmd "hook: the old namespace's veth nsv$uid_h3 outlives the set" ip link show dev "nsv$uid_h3"
run_as h3b nsiso-h3 "$BIN/netreport $OUT/nsiso-h3/h3b"
expect_rc h3b "$RC" 0 "hook: nsiso-h3's next login gets a new set (the hook replaced the stale veth)"
isnt "$(nfact nsiso-h3 h3b netns)" "$old_net_h3" "hook: ... in a new net namespace"
is "$(nfact nsiso-h3 h3b eth0_addr)" "$(expect_addr "$uid_h3")/16" "hook: ... with nsiso-h3's address"
is "$(nsenter --net="/proc/$bg_h3/ns/net" ip -br link | awk '{ print $1 }' | paste -sd ' ' -)" "lo" \
	"hook: the old namespace lost its eth0 (the stale pair was deleted)"
kill "$bg_h3" 2>/dev/null
ok_cmd "hook: nsv$uid_h3 is gone once nothing holds a namespace of nsiso-h3" wait_link_gone "nsv$uid_h3"

# ================================================================ 6 hook failures
run_as f1 nsiso-f1 ":"
expect_rc f1 "$RC" 3 "hook fails: a hook exiting 1 refuses the login"
ok_cmd "hook fails: ... and leaves no pin, record or name for nsiso-f1" \
	no_pins "$(uid_of nsiso-f1)" "${NAMEPFX}nsiso-f1"

run_as m1 nsiso-m ":"
expect_rc m1 "$RC" 0 "hook fails: control: a safe marker hook lets nsiso-m in"
ok_cmd "hook fails: control: the marker hook ran" test -e "$STATE/ran-nsiso-m"
for c in f3:"group-writable (0775)" f4:"in a world-writable directory" f5:"a symbolic link" \
	f6:"owned by the user, not root"; do
	u=nsiso-${c%%:*}
	what=${c#*:}
	run_as "$u" "$u" ":"
	expect_rc "$u" "$RC" 3 "hook fails: a hook $what refuses the login"
	no_cmd "hook fails: ... without running it" test -e "$STATE/ran-$u"
	ok_cmd "hook fails: ... and leaves nothing of $u's set" no_pins "$(uid_of "$u")" "$NAMEPFX$u"
done

# The hook's world, seen from outside while it runs.
he=$STATE/hookenv
rm -rf "$he"
mkdir -p "$he"
(
	rc=0
	login e1 nsiso-e -- "$BIN/netreport" "$OUT/nsiso-e/e1net" || rc=$?
	echo "$rc" >"$STATE/e1.rc"
) &
e1_job=$!
if wait_file "$he/pid" 25; then
	hp=$(cat "$he/pid")
	tr '\0' '\n' <"/proc/$hp/environ" >"$he/environ"
	tr '\0' ' ' <"/proc/$hp/cmdline" >"$he/cmdline"
	find "/proc/$hp/fd" -mindepth 1 -printf '%f %l\n' | sort -n >"$he/fds"
	stat -L -c %i "/proc/$hp/ns/net" >"$he/netns"
	stat -L -c %i "/proc/$hp/ns/mnt" >"$he/mntns"
	awk '/^Uid:/ { print $2 }' "/proc/$hp/status" >"$he/uid"
	awk '{ print $5 }' "/proc/$hp/stat" >"$he/pgid"
else
	hp=none
	fail "hook env: the hook did not start" "$(cat "$STATE/e1.err" 2>/dev/null)"
fi
: >"$he/go"
wait "$e1_job"
expect_rc e1 "$(cat "$STATE/e1.rc" 2>/dev/null)" 0 "hook env: nsiso-e logs in"
is "$(cat "$he/environ" 2>&1)" "PATH=/usr/sbin:/usr/bin:/sbin:/bin" "hook env: the environment is exactly PATH=/usr/sbin:/usr/bin:/sbin:/bin"
# Registry v2: the net pin sits in the keeper's table, out of the hook's
# reach; the hook gets the login's own fd on the namespace (nsiso.conf(5)).
like "$(cat "$he/args" 2>&1 | paste -sd ' ' -)" "^nsiso-e $(uid_of nsiso-e) /proc/[0-9]+/fd/[0-9]+\$" \
	"hook env: arguments are user, uid, net pin (/proc/PID/fd/N)"
is "$(cat "$he/pin_ino" 2>&1)" "$(nfact nsiso-e e1net netns)" "hook env: the pin is the net namespace the session got"
is "$(cat "$he/netns" 2>&1)" "$SANDBOX_NET" "hook env: the hook runs in the host's (sandbox's) net namespace"
is "$(cat "$he/mntns" 2>&1)" "$(field 1 "$SANDBOX_NS")" "hook env: ... and mount namespace"
is "$(cat "$he/uid" 2>&1)" "0" "hook env: as root"
is "$(cat "$he/pgid" 2>&1)" "$hp" "hook env: in a process group of its own"
is "$(sed -n 's/^0 //p' "$he/fds")" "/dev/null" "hook env: stdin is /dev/null"
ok_cmd "hook env: stdout and stderr are one pipe" \
	sh -c "[ \"\$(sed -n 's/^1 //p' '$he/fds')\" = \"\$(sed -n 's/^2 //p' '$he/fds')\" ] && sed -n 's/^1 //p' '$he/fds' | grep -q '^pipe:'"
is "$(sed -n 's/^3 //p' "$he/fds")" "$HOOKS/envdump" \
	"hook env: fd 3 is the hook file (the interpreter reads it as \$0 = $(cat "$he/argv0" 2>&1))"
# Beyond 0-3, only the interpreter's own handle on the script (dash reopens /dev/fd/3 as fd 10).
is "$(awk -v f="$HOOKS/envdump" '$1 > 3 && $2 != f' "$he/fds")" "" "hook env: no other fd is inherited"
diag "hook cmdline: $(cat "$he/cmdline" 2>&1)" "hook fds: $(paste -sd ';' "$he/fds")"

start=$(date +%s)
saved_timeout=$LOGIN_TIMEOUT
LOGIN_TIMEOUT=60
run_as f2 nsiso-f2 ":"
LOGIN_TIMEOUT=$saved_timeout
elapsed=$(($(date +%s) - start))
expect_rc f2 "$RC" 3 "hook time-out: a hook sleeping 60 s refuses the login"
if [ "$elapsed" -ge 29 ] && [ "$elapsed" -le 45 ]; then
	pass "hook time-out: refused after ${elapsed} s (limit 30 s)"
else
	fail "hook time-out: refused after about 30 s" "elapsed: ${elapsed} s"
fi
for p in slow slow-sleep; do
	pid=$(cat "$STATE/$p.pid" 2>/dev/null || echo none)
	ok_cmd "hook time-out: the hook's $p process ($pid) was killed" dead "$pid"
done
ok_cmd "hook time-out: ... and nothing of nsiso-f2's set is left" \
	no_pins "$(uid_of nsiso-f2)" "${NAMEPFX}nsiso-f2"

# on_error = allow: a failing hook lets the user in without a set.
write_policy <<EOF
[global]
namespaces = mnt, ipc, uts, net
netns_name = ${NAMEPFX}%u
on_error = allow

[user:nsiso-oa]
net = hook
net_hook = $HOOKS/fail
EOF
run_as oa1 nsiso-oa "$BIN/netreport $OUT/nsiso-oa/oa1net"
expect_rc oa1 "$RC" 0 "hook fails, on_error = allow: nsiso-oa gets in"
is "$(nfact nsiso-oa oa1net netns)" "$SANDBOX_NET" "hook fails, on_error = allow: ... in the host's net namespace (no set)"
is "$(nfact nsiso-oa oa1net mntns)" "$(field 1 "$SANDBOX_NS")" "hook fails, on_error = allow: ... and mount namespace"
ok_cmd "hook fails, on_error = allow: nothing of nsiso-oa's set is left" \
	no_pins "$(uid_of nsiso-oa)" "${NAMEPFX}nsiso-oa"

done_testing
