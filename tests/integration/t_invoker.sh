#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 13, part 1: what the module starts runs as root and nobody else's,
# whoever started the login. The logins here are opened in the credential
# state of a setuid su run by nsiso-alice (nsiso-pamh --invoker): real uid
# alice's, effective and saved uid 0, alice's gids, the target's groups.
#
#   1  the net hook (a "#!/bin/sh" script: dash drops to the real uid when it
#      differs from the effective one) sees uid, gid 0 (real, effective,
#      saved, fs) and no supplementary groups, in its own /proc/self/status
#      and in the kernel's view from outside; the login succeeds
#   2  while it runs, a process of the invoker's (every uid alice's) can
#      neither signal it (kill 0, SIGSTOP) nor ptrace it
#   3  a hook that stops itself (SIGSTOP) or hangs: the login is refused
#      within net_hook_timeout (2 s here) plus a margin, the hook (and what
#      it started) is killed and reaped, nothing of the set is left, and the
#      user's lock is free again
. "$(dirname "$0")/lib.sh"
setup
need_module

# The system's python3 (a per-user install such as pyenv's is not the invoker's to run).
PY=/usr/bin/python3
[ -x "$PY" ] || bail "$PY is needed to poke at the hook as the invoker"
command -v flock >/dev/null 2>&1 || bail "flock (util-linux) is needed to test the user's lock"

HOOKS=$CONFDIR/hooks # root 0755
mkdir -p "$HOOKS"
chown root:root "$HOOKS"
chmod 0755 "$HOOKS"

for u in alice bob carol dave; do
	add_user "nsiso-$u"
done
uid_a=$(uid_of nsiso-alice)
gid_a=$(id -g nsiso-alice)

# hook NAME < TEXT: a root-owned 0755 hook in $HOOKS.
hook()
{
	cat >"$HOOKS/$1"
	chown root:root "$HOOKS/$1"
	chmod 0755 "$HOOKS/$1"
}

# ids: its ids as it sees them, then waits (at most 20 s) for $STATE/ids-go.
# $STATE is root 0700: a hook that is not root cannot write there.
hook ids <<EOF
#!/bin/sh
grep -E '^(Uid|Gid|Groups):' /proc/self/status | tr -s '\t ' '  ' >$STATE/ids-\$1.tmp
mv $STATE/ids-\$1.tmp $STATE/ids-\$1
echo \$\$ >$STATE/ids-\$1.pid
i=0
until [ -e $STATE/ids-go ] || [ \$i -ge 200 ]; do
	sleep 0.1
	i=\$((i + 1))
done
exit 0
EOF
hook stop <<EOF
#!/bin/sh
echo \$\$ >$STATE/stop.pid
kill -STOP \$\$
exit 0
EOF
hook hang <<EOF
#!/bin/sh
echo \$\$ >$STATE/hang.pid
sleep 60 &
echo \$! >$STATE/hang-sleep.pid
wait
EOF

write_policy <<EOF
[global]
namespaces = mnt, ipc, uts, net
net = hook
net_hook = $HOOKS/ids

[user:nsiso-carol]
net_hook = $HOOKS/stop
net_hook_timeout = 2

[user:nsiso-dave]
net_hook = $HOOKS/hang
net_hook_timeout = 2
EOF
write_pam

# dead PID: gone, or a zombie nobody reaped yet.
dead()
{
	[ ! -e "/proc/$1" ] || grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# no_set UID: no pin, no record of UID's set.
no_set()
{
	[ -z "$(pins_of "$1")" ] && [ ! -e "/run/nsiso/users/$1/set" ]
}

# lock_free UID: the user's lock can be taken at once (no process holds it).
lock_free()
{
	flock -n -x "/run/nsiso/users/$1/lock" true
}

# as_invoker PID: what a process of nsiso-alice's (real, effective, saved
# uid and gid hers, no other groups) may do to PID: "kill=E stop=E ptrace=E"
# with the errno names (OK when it could).
as_invoker()
{
	setpriv --reuid="$uid_a" --regid="$gid_a" --clear-groups "$PY" -c '
import ctypes, errno, os, signal, sys
pid = int(sys.argv[1])
def try_(f):
    try:
        f()
        return "OK"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
libc = ctypes.CDLL(None, use_errno=True)
def attach():
    if libc.ptrace(16, pid, 0, 0) != 0:  # PTRACE_ATTACH
        raise OSError(ctypes.get_errno(), "ptrace")
    libc.ptrace(17, pid, 0, 0)  # PTRACE_DETACH
print("kill=%s stop=%s ptrace=%s" % (try_(lambda: os.kill(pid, 0)),
      try_(lambda: os.kill(pid, signal.SIGSTOP)), try_(attach)))
' "$1" 2>&1
}

# ================================================================ 1, 2 the hook is root's
rm -f "$STATE/ids-go"
(
	rc=0
	login b1 nsiso-bob --invoker nsiso-alice -- "$BIN/report" "$OUT/nsiso-bob/b1" || rc=$?
	echo "$rc" >"$STATE/b1.rc"
) &
b1_job=$!
if wait_file "$STATE/ids-nsiso-bob.pid" 25; then
	hp=$(cat "$STATE/ids-nsiso-bob.pid")
	outside=$(grep -E '^(Uid|Gid|Groups):' "/proc/$hp/status" | tr -s '\t ' '  ' | paste -sd '|' -)
	poke=$(as_invoker "$hp")
	stopped=$(awk '/^State:/ { print $2 }' "/proc/$hp/status")
else
	hp=none outside=none poke=none stopped=none
	fail "the hook did not start as root (it cannot write to the root-only state dir)" \
		"$(cat "$STATE/b1.err" 2>/dev/null)"
fi
: >"$STATE/ids-go"
wait "$b1_job"
expect_rc b1 "$(cat "$STATE/b1.rc" 2>/dev/null)" 0 "su state: nsiso-bob's login (by nsiso-alice) opens with net = hook"
is "$(paste -sd '|' "$STATE/ids-nsiso-bob" 2>&1)" "Uid: 0 0 0 0|Gid: 0 0 0 0|Groups: " \
	"the hook sees real, effective, saved and fs uid and gid 0 and no groups"
is "$outside" "Uid: 0 0 0 0|Gid: 0 0 0 0|Groups: " "... and so does the kernel's view of it from outside"
is "$poke" "kill=EPERM stop=EPERM ptrace=EPERM" \
	"the invoker can neither signal (kill 0, SIGSTOP) nor ptrace the running hook"
isnt "$stopped" "T" "... and the hook was not stopped by the attempt"
b1mnt=$(field 1 "$(fact nsiso-bob b1 ns)")
ok_cmd "nsiso-bob's session is in a set of his own (mnt $b1mnt)" \
	sh -c '[ "$1" != MISSING ] && [ "$1" != "$2" ]' _ "$b1mnt" "$(field 1 "$SANDBOX_NS")"

# ================================================================ 3 bounded
for c in carol:stop:"stops itself (SIGSTOP)" dave:hang:"hangs (sleep 60)"; do
	u=nsiso-${c%%:*}
	rest=${c#*:}
	h=${rest%%:*}
	what=${rest#*:}
	uid=$(uid_of "$u")
	start=$(date +%s)
	RC=0
	login "$h" "$u" --invoker nsiso-alice -- true || RC=$?
	elapsed=$(($(date +%s) - start))
	expect_rc "$h" "$RC" 3 "a hook that $what: the login is refused"
	if [ "$elapsed" -ge 1 ] && [ "$elapsed" -le 8 ]; then
		pass "a hook that $what: refused after ${elapsed} s (net_hook_timeout = 2)"
	else
		fail "a hook that $what: refused after about 2 s" "elapsed: ${elapsed} s"
	fi
	for p in "$h" "$h-sleep"; do
		[ -e "$STATE/$p.pid" ] || continue
		pid=$(cat "$STATE/$p.pid")
		ok_cmd "a hook that $what: its process $p ($pid) was killed" dead "$pid"
	done
	ok_cmd "a hook that $what: nothing of $u's set is left" no_set "$uid"
	ok_cmd "a hook that $what: $u's lock is free again" lock_free "$uid"
done

done_testing
