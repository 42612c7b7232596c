#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 15: init_hook, an administrator's executable run once inside each new
# set before it is pinned. The hook under test is the shipped example
# (config/nsiso-init-hook, its two paths moved under the test's work dir)
# behind a wrapper that records what the hook saw into the root-only $STATE.
#
#   1  the hook's bind mount is in every session of the set (findmnt in the
#      session) and in no table of the sandbox; what it put in /tmp is in the
#      set's /tmp only; it ran in the set's mount namespace, with the set's
#      hostname and the registry hidden
#   2  it ran exactly once per set creation, not per login
#   3  its environment is PATH alone (not the caller's), its ids are 0 with
#      no groups, its arguments are user, uid, home
#   4  a failing hook / a hung hook (init_hook_timeout) / an unsafe hook:
#      login refused within the bound, one log line naming the hook and the
#      reason, no pin in the keeper, no record, the lock free, the hook's
#      leftovers killed; once the hook is fixed the next login works
#   5  a caller that cannot come back from a set it built (a child user
#      namespace): the creation child runs the hook, with the same effect
#   6  on_error = allow: a failing hook means a login without isolation
SANDBOX_EXTRA_OVERLAYS=dev # the /dev/log the logsink listens on
. "$(dirname "$0")/lib.sh"
setup
need_module
start_logsink || bail "cannot start the /dev/log listener (build/tests/helpers/logsink)"
command -v flock >/dev/null 2>&1 || bail "flock (util-linux) is needed to test the user's lock"

HOOKS=$CONFDIR/hooks # root 0755
mkdir -p "$HOOKS" "$CONFDIR/ww"
chown root:root "$HOOKS" "$CONFDIR/ww"
chmod 0755 "$HOOKS"
chmod 0777 "$CONFDIR/ww"
SCRATCH=$W/scratch # the example's /srv/scratch
TARGET=$W/mnt      # the example's /scratch
# $SCRATCH's path inside its file system (mountinfo's root field of a bind of it)
SROOT=$(awk -v p="$SCRATCH" '
	$5 == "/" || p == $5 || index(p, $5 "/") == 1 {
		if (length($5) >= best) { best = length($5); r = $4; m = $5 }
	}
	END { rest = m == "/" ? p : substr(p, length(m) + 1); print (r == "/" ? "" : r) rest }' /proc/self/mountinfo)
install -d -o root -g root -m 0755 "$SCRATCH" "$TARGET"

for u in a b c f h u o; do
	add_user "nsiso-$u"
done

# hook NAME < TEXT: a root-owned 0755 hook in $HOOKS.
hook()
{
	cat >"$HOOKS/$1"
	chown root:root "$HOOKS/$1"
	chmod 0755 "$HOOKS/$1"
}

sed -e "s|^base=/srv/scratch\$|base=$SCRATCH|" -e "s|^target=/scratch\$|target=$TARGET|" \
	"$TOP/config/nsiso-init-hook" | hook example
grep -q "^base=$SCRATCH\$" "$HOOKS/example" && grep -q "^target=$TARGET\$" "$HOOKS/example" ||
	bail "the example hook's paths could not be moved under $W"

# good: what it sees, into $STATE/init-USER/ (root 0700: only root can write
# there), a line per run, then the example's work.
hook good <<EOF
#!/bin/sh
d=$STATE/init-\$1
mkdir -p \$d
echo run >>\$d/runs
grep -E '^(Uid|Gid|Groups):' /proc/self/status | tr -s '\t ' '  ' >\$d/ids
tr '\0' '\n' </proc/\$\$/environ >\$d/env
echo "\$*" >\$d/args
stat -L -c %i /proc/self/ns/mnt >\$d/mnt
hostname >\$d/hostname
ls -A /run/nsiso >\$d/registry 2>&1
echo "from the init hook" >/tmp/init-hook-was-here
exec $HOOKS/example "\$@"
EOF
hook fail <<EOF
#!/bin/sh
sleep 60 &
echo \$! >$STATE/fail-sleep.pid
echo "no quota server for \$1" >&2
exit 3
EOF
hook hang <<EOF
#!/bin/sh
echo \$\$ >$STATE/hang.pid
sleep 60
EOF
cp "$HOOKS/good" "$CONFDIR/ww/good"
chown root:root "$CONFDIR/ww/good"
chmod 0755 "$CONFDIR/ww/good"

write_policy <<EOF
[global]
namespaces = mnt, ipc, uts
hostname = %u-box
init_hook = $HOOKS/good

[user:nsiso-f]
init_hook = $HOOKS/fail

[user:nsiso-h]
init_hook = $HOOKS/hang
init_hook_timeout = 2

[user:nsiso-u]
init_hook = $CONFDIR/ww/good
EOF
write_pam

# no_set UID: no pin in the keeper, no record of UID's set.
no_set()
{
	[ -z "$(pins_of "$1")" ] && [ ! -e "/run/nsiso/users/$1/set" ]
}

# lock_free UID: the user's lock can be taken at once (no process holds it).
lock_free()
{
	flock -n -x "/run/nsiso/users/$1/lock" true
}

# dead PID: gone, or a zombie nobody reaped yet.
dead()
{
	[ ! -e "/proc/$1" ] || grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# target_in PID: the source root of the mount on $TARGET in PID's table (or NONE).
target_in()
{
	awk -v t="$TARGET" '$5 == t { r = $4 } END { print r ? r : "NONE" }' "/proc/$1/mountinfo"
}

# outside_set MNT: "PID MNT" of every process whose table has a mount on
# $TARGET and whose mount namespace is not MNT.
outside_set()
{
	local m p
	for m in /proc/[0-9]*/mountinfo; do
		p=${m#/proc/}
		p=${p%/mountinfo}
		awk -v t="$TARGET" '$5 == t { f = 1 } END { exit !f }' "$m" 2>/dev/null || continue
		[ "$(stat -L -c %i "/proc/$p/ns/mnt" 2>/dev/null)" = "$1" ] || echo "$p $(stat -L -c %i "/proc/$p/ns/mnt" 2>&1)"
	done
}

runs()
{
	wc -l <"$STATE/init-$1/runs" 2>/dev/null | tr -d ' ' || echo 0
}

# ================================================================ 1, 2, 3 a working hook
uid_a=$(uid_of nsiso-a)
export NSISO_CALLER_SECRET=from-the-caller # a login's environment must not reach the hook
bg_session a1 nsiso-a "findmnt -rn -o SOURCE,FSTYPE,OPTIONS --mountpoint $TARGET >$OUT/nsiso-a/a1.findmnt 2>&1
echo a-was-here >$TARGET/note"
unset NSISO_CALLER_SECRET
if ! wait_ready a1 nsiso-a; then
	finish a1
	bail "nsiso-a's first session did not come up (exit status $RC)" "$(cat "$STATE/a1.err")"
fi
a1pid=$(session_pid nsiso-a a1)
a1mnt=$(field 1 "$(fact nsiso-a a1 ns)")
isnt "$a1mnt" "$(field 1 "$SANDBOX_NS")" "nsiso-a's session is in a set of its own"
like "$(cat "$OUT/nsiso-a/a1.findmnt" 2>&1)" "*\\[$SROOT/nsiso-a\\]*" \
	"the hook's bind of $SCRATCH/nsiso-a is on $TARGET in the session (findmnt)"
like "$(cat "$OUT/nsiso-a/a1.findmnt" 2>&1)" "*nosuid,nodev*" "... nosuid and nodev"
is "$(cat "$SCRATCH/nsiso-a/note" 2>&1)" "a-was-here" \
	"what the session writes to $TARGET lands in $SCRATCH/nsiso-a"
is "$(stat -c '%U %a' "$SCRATCH/nsiso-a" 2>&1)" "nsiso-a 700" "the example made $SCRATCH/nsiso-a nsiso-a's, 0700"
is "$(target_in self)" "NONE" "the sandbox's mount table has nothing on $TARGET"
empty "$(outside_set "$a1mnt")" "... and no process outside nsiso-a's set has it in its table (every /proc/PID/mountinfo)"
empty "$(ls -A "$TARGET")" "the sandbox's $TARGET is still empty"
is "$(fact nsiso-a a1 tmp_f)" "ABSENT" "(the report's /tmp/f is absent, as nothing wrote it)"
is "$(nsenter -t "$a1pid" -m cat /tmp/init-hook-was-here 2>&1)" "from the init hook" \
	"what the hook wrote to /tmp is in the set's /tmp"
ok_cmd "... and not in the sandbox's /tmp" test ! -e /tmp/init-hook-was-here
is "$(cat "$STATE/init-nsiso-a/mnt" 2>&1)" "$a1mnt" "the hook ran in the set's mount namespace"
is "$(cat "$STATE/init-nsiso-a/hostname" 2>&1)" "nsiso-a-box" "... with the set's hostname in place"
empty "$(cat "$STATE/init-nsiso-a/registry" 2>&1)" "... and the registry hidden (/run/nsiso is empty)"
is "$(paste -sd '|' "$STATE/init-nsiso-a/ids" 2>&1)" "Uid: 0 0 0 0|Gid: 0 0 0 0|Groups: " \
	"the hook's real, effective, saved and fs uid and gid are 0, with no groups"
is "$(cat "$STATE/init-nsiso-a/env" 2>&1)" "PATH=/usr/sbin:/usr/bin:/sbin:/bin" \
	"the hook's environment is the fixed PATH and nothing else (not the caller's)"
is "$(cat "$STATE/init-nsiso-a/args" 2>&1)" "nsiso-a $uid_a $(getent passwd nsiso-a | cut -d: -f6)" \
	"its arguments: user, uid, home"
is "$(runs nsiso-a)" 1 "the hook ran once for nsiso-a's set"

report_login a2 nsiso-a
expect_rc a2 "$RC" 0 "nsiso-a's second (concurrent) login opens"
is "$(field 1 "$(fact nsiso-a a2 ns)")" "$a1mnt" "... in the same set"
is "$(target_in "$a1pid")" "$SROOT/nsiso-a" "... (the first session still has the bind)"
is "$(awk -v t="$TARGET" '$5 == t { print $4 }' "$OUT/nsiso-a/a2/mountinfo" 2>&1)" "$SROOT/nsiso-a" \
	"the second session's mount table has the hook's bind on $TARGET too"
is "$(runs nsiso-a)" 1 "joining the set did not run the hook again"
finish a1

report_login b1 nsiso-b
expect_rc b1 "$RC" 0 "nsiso-b's login opens"
is "$(awk -v t="$TARGET" '$5 == t { print $4 }' "$OUT/nsiso-b/b1/mountinfo" 2>&1)" "$SROOT/nsiso-b" \
	"nsiso-b's set has its own directory on $TARGET, not nsiso-a's"
is "$(runs nsiso-b)" 1 "the hook ran once for nsiso-b's set"

# ================================================================ 4 failures
# refused TAG USER WHAT MAX: the login is refused within MAX seconds, nothing is left.
refused()
{
	local tag user what max uid start elapsed
	tag=$1 user=$2 what=$3 max=$4
	uid=$(uid_of "$user")
	start=$(date +%s)
	RC=0
	login "$tag" "$user" -- true || RC=$?
	elapsed=$(($(date +%s) - start))
	expect_rc "$tag" "$RC" 3 "$what: the login is refused"
	if [ "$elapsed" -le "$max" ]; then
		pass "$what: refused after ${elapsed} s (at most $max)"
	else
		fail "$what: refused within $max s" "elapsed: ${elapsed} s"
	fi
	ok_cmd "$what: no pin in the keeper, no record of $user's set" no_set "$uid"
	ok_cmd "$what: $user's lock is free again" lock_free "$uid"
}

# log_of USER: the module's error lines about USER.
log_of()
{
	sleep 0.2
	grep 'pam_nsiso(' "$SYSLOG" | grep -F "$1" | grep -F init_hook || true
}

refused f1 nsiso-f "a hook exiting 3" 8
lines=$(log_of nsiso-f)
is "$(printf '%s\n' "$lines" | grep -c .)" 1 "a hook exiting 3: one log line"
like "$lines" "*init_hook $HOOKS/fail failed with status 3: no quota server for nsiso-f*" \
	"... naming the hook, its status and the first line of its stderr"
ok_cmd "a hook exiting 3: what it left running was killed" dead "$(cat "$STATE/fail-sleep.pid" 2>/dev/null || echo 0)"

refused h1 nsiso-h "a hung hook (init_hook_timeout = 2)" 8
like "$(log_of nsiso-h)" "*init_hook $HOOKS/hang killed after 2000 ms*" "a hung hook: the log line says it was killed at the deadline"
ok_cmd "a hung hook: it was killed" dead "$(cat "$STATE/hang.pid" 2>/dev/null || echo 0)"

refused u1 nsiso-u "a hook in a world-writable directory" 8
lines=$(log_of nsiso-u)
is "$(printf '%s\n' "$lines" | grep -c .)" 1 "an unsafe hook: one log line"
like "$lines" "*init_hook $CONFDIR/ww/good: $CONFDIR/ww: directory is group or world writable*" \
	"... naming the hook and why it is refused"
ok_cmd "an unsafe hook: it never ran" test ! -e "$STATE/init-nsiso-u"

# Fixed: the same users log in.
hook fail <"$HOOKS/good"
hook hang <"$HOOKS/good"
chmod 0755 "$CONFDIR/ww"
for u in f h u; do
	report_login "${u}2" "nsiso-$u"
	expect_rc "${u}2" "$RC" 0 "nsiso-$u: once the hook is fixed, the next login opens"
	is "$(awk -v t="$TARGET" '$5 == t { print $4 }' "$OUT/nsiso-$u/${u}2/mountinfo" 2>&1)" "$SROOT/nsiso-$u" \
		"... in a set with the hook's bind"
	is "$(runs "nsiso-$u")" 1 "... which the hook set up once"
done

# ================================================================ 5 the creation child
# A caller in a child user namespace cannot come back from a set it built
# (setns needs CAP_SYS_ADMIN over the namespaces' owner): a creation child
# builds and pins the set, and runs the hook, as its own child.
unshare --user --mount --propagation private sleep 3600 </dev/null >/dev/null 2>&1 &
holder=$!
me=$(readlink /proc/self/ns/user)
timeout 10 sh -c 'until [ "$(readlink /proc/$1/ns/user)" != "$2" ]; do sleep 0.02; done' _ "$holder" "$me" &&
	echo '0 0 65536' >"/proc/$holder/uid_map" && echo '0 0 65536' >"/proc/$holder/gid_map" &&
	nsenter --target "$holder" --user --mount -- mount -t tmpfs -o mode=0700 nsiso-userns /run/nsiso ||
	bail "cannot set up the child user namespace"
printf '#!/bin/sh\nexec nsenter --target %s --user --mount -- %s "$@"\n' "$holder" "$PAMH" >"$STATE/pamh-in-userns"
chmod 0755 "$STATE/pamh-in-userns"
saved_pamh=$PAMH
PAMH=$STATE/pamh-in-userns
bg_session c1 nsiso-c ""
PAMH=$saved_pamh
if wait_ready c1 nsiso-c; then
	c1pid=$(session_pid nsiso-c c1)
	c1mnt=$(field 1 "$(fact nsiso-c c1 ns)")
	isnt "$c1mnt" "$(stat -L -c %i "/proc/$holder/ns/mnt")" "child user namespace: nsiso-c's session is in a set of its own"
	is "$(cat "$STATE/init-nsiso-c/mnt" 2>&1)" "$c1mnt" "child user namespace: the hook ran in the set's mount namespace"
	is "$(target_in "$c1pid")" "$SROOT/nsiso-c" "child user namespace: the hook's bind is in the session's table"
	empty "$(outside_set "$c1mnt")" "child user namespace: ... and in no table outside the set"
	is "$(runs nsiso-c)" 1 "child user namespace: the hook ran once"
else
	fail "child user namespace: nsiso-c's session opens" "$(cat "$STATE/c1.err")"
fi
finish c1
kill "$holder"
wait "$holder" 2>/dev/null

# ================================================================ 6 on_error = allow
hook fail <<EOF
#!/bin/sh
echo "refusing \$1" >&2
exit 1
EOF
write_policy <<EOF
[global]
namespaces = mnt, ipc, uts
on_error = allow
init_hook = $HOOKS/fail
EOF
report_login o1 nsiso-o
expect_rc o1 "$RC" 0 "on_error = allow: a failing hook lets the login in"
is "$(fact nsiso-o o1 ns)" "$SANDBOX_NS" "... without isolation (the sandbox's mnt, ipc and uts namespaces)"
ok_cmd "... and leaves no set" no_set "$(uid_of nsiso-o)"
like "$(log_of nsiso-o)" "*init_hook $HOOKS/fail failed with status 1: refusing nsiso-o*" "... and logs why"

done_testing
