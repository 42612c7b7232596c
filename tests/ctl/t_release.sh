#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# nsisoctl release and gc against real sets in the sandbox: refusals while a
# session or a process remains, --force, --all, and that a torn-down set
# leaves no pin in any mount table (findmnt, every /proc/PID/mountinfo).
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib.sh"
setup
need_module
need_ctl
CTL_TMP=$STATE

for u in nsiso-r nsiso-p nsiso-q nsiso-k1 nsiso-k2; do
	add_user "$u"
done
uid_r=$(uid_of nsiso-r)
uid_p=$(uid_of nsiso-p)
uid_q=$(uid_of nsiso-q)
uid_k1=$(uid_of nsiso-k1)
uid_k2=$(uid_of nsiso-k2)
write_policy <<EOF
[global]
namespaces = mnt, ipc, uts

[user:nsiso-k1]
lifetime = boot

[user:nsiso-k2]
lifetime = boot
EOF
write_pam

npins()
{
	pins_of "$1" | wc -l | tr -d ' '
}
# gone UID "MNT IPC UTS" DESC: no pin of UID in the sandbox's mount table, and
# no nsfs mount of those namespaces in any mount table here.
gone()
{
	is "$(npins "$1")" 0 "$3: no pin left in findmnt -t nsfs"
	is "$(mountinfo_refs "$2")" "" "$3: no /proc/*/mountinfo holds one of its namespaces"
}
# bg_sleep TAG USER: log in, leave a sleep running in the set, log out. Its pid in $OUT/USER/TAG.bg
bg_sleep()
{
	login "$1" "$2" -- sh -c "setsid sleep 600 </dev/null >/dev/null 2>&1 & echo \$! >$OUT/$2/$1.bg
$BIN/report $OUT/$2/$1"
}
bg_pid()
{
	cat "$OUT/$1/$2.bg" 2>/dev/null || echo none
}

# ------------------------------------------------- nothing yet
ctl release --all
expect 0 "" "" "release --all: no registry yet: nothing to do, exit 0"
ctl gc
expect 0 "" "" "gc: no registry yet: nothing to do, exit 0"
ctl release nsiso-r
expect 1 "" "nsisoctl: nsiso-r (uid $uid_r) has no set" "release: a user without a set: exit 1"

# ------------------------------------------------- release refuses while a session is open
bg_session r1 nsiso-r ":"
wait_ready r1 nsiso-r || bail "nsiso-r's session did not come up" "$(cat "$STATE/r1.err" 2>/dev/null)"
rpid=$(session_pid nsiso-r r1)
ns_r=$(ns_of "$rpid")
is "$(npins "$uid_r")" 3 "nsiso-r's set is pinned (mnt, ipc, uts)"
ctl release nsiso-r
is "$RC $COUT" "1 " "release: refused while a session is open (exit 1)"
like "$CERR" "^nsisoctl: the set of uid $uid_r still has 1 open session\\(s\\) and [0-9]+ process\\(es\\): not released \\(use --force\\)\$" \
	"release: says why, in one line"
is "$(npins "$uid_r")" 3 "release: ... and the pins are still there"
ctl release nsiso-r --force
expect 0 "released nsiso-r (uid $uid_r)" "" "release --force: torn down with the session open"
gone "$uid_r" "$ns_r" "release --force"
is "$(ns_of "$rpid")" "$ns_r" "release --force: the session's processes keep their namespaces"
ctl show nsiso-r
expect 1 "" "nsisoctl: nsiso-r (uid $uid_r) has no set" "show: the released set is gone"
finish r1
expect_rc r1 "$RC" 0 "the session still closes cleanly after a forced release"

# ------------------------------------------------- release refuses while a process remains
bg_sleep p1 nsiso-p
expect_rc p1 $? 0 "nsiso-p logs in and out, leaving a process in its set"
ppid_bg=$(bg_pid nsiso-p p1)
ns_p=$(fact nsiso-p p1 ns)
is "$(ns_of "$ppid_bg")" "$ns_p" "nsiso-p's background process ($ppid_bg) is in the set"
ctl release nsiso-p
expect 1 "" \
	"nsisoctl: the set of uid $uid_p still has 0 open session(s) and 1 process(es): not released (use --force)" \
	"release: refused while a process remains (no session)"
is "$(npins "$uid_p")" 3 "release: ... the pins are still there"

# ------------------------------------------------- gc
bg_sleep q1 nsiso-q
expect_rc q1 $? 0 "nsiso-q logs in and out, leaving a process in its set"
qpid_bg=$(bg_pid nsiso-q q1)
ns_q=$(fact nsiso-q q1 ns)
login k1 nsiso-k1 -- true
expect_rc k1 $? 0 "nsiso-k1 logs in and out (lifetime boot)"
is "$(npins "$uid_q") $(npins "$uid_k1")" "3 3" "the sets of nsiso-q and nsiso-k1 remain after their sessions"
kill "$qpid_bg"
wait_gone "$qpid_bg" || fail "nsiso-q's background process did not go away"
ctl gc
expect 0 "released nsiso-q (uid $uid_q)" "" "gc: tears down the set whose process has died, and only that one"
gone "$uid_q" "$ns_q" "gc"
is "$(npins "$uid_p")" 3 "gc: keeps the set whose process lives"
is "$(npins "$uid_k1")" 3 "gc: keeps a lifetime boot set with nothing inside"
kill "$ppid_bg"
wait_gone "$ppid_bg" || fail "nsiso-p's background process did not go away"
ctl gc
expect 0 "released nsiso-p (uid $uid_p)" "" "gc: once the process has died, that set goes too"
gone "$uid_p" "$ns_p" "gc of nsiso-p"
ctl gc
expect 0 "" "" "gc: nothing more to do"
ctl gc nsiso-p extra
is "$RC" 2 "gc: an argument after USER: exit 2"
ctl gc nsiso-nosuchuser
is "$RC" 1 "gc: a USER that names no account and no uid: exit 1"

# ------------------------------------------------- release --all
login k2 nsiso-k2 -- true
expect_rc k2 $? 0 "nsiso-k2 logs in and out (lifetime boot)"
ctl show nsiso-k1
ns_k1=$(printf '%s\n' "$COUT" | sed -n 's/^namespaces: mnt:\([0-9]*\) ipc:\([0-9]*\) uts:\([0-9]*\)$/\1 \2 \3/p')
ctl show nsiso-k2
ns_k2=$(printf '%s\n' "$COUT" | sed -n 's/^namespaces: mnt:\([0-9]*\) ipc:\([0-9]*\) uts:\([0-9]*\)$/\1 \2 \3/p')
ctl release --all
expect 0 "released nsiso-k1 (uid $uid_k1)
released nsiso-k2 (uid $uid_k2)" "" "release --all: every set, in uid order"
gone "$uid_k1" "${ns_k1:-x y z}" "release --all (nsiso-k1)"
gone "$uid_k2" "${ns_k2:-x y z}" "release --all (nsiso-k2)"
is "$(pins_of '[0-9]+' | wc -l)" 0 "no pin at all is left in the keeper"
is "$(findmnt -rn -t nsfs -o TARGET | grep -c '^/run/nsiso/')" 1 "the host's table holds the keeper's pin only"
ctl list
expect 0 "" "" "list: nothing left"
ctl release --all
expect 0 "" "" "release --all: nothing left to do"

ctl release
is "$RC" 2 "release: neither USER nor --all: exit 2"
ctl release nsiso-k1 --all
is "$RC $CERR" "2 nsisoctl: release: give either USER or --all
usage: nsisoctl release USER|--all [--force] [--purge]" "release: both USER and --all: exit 2"
ctl release nosuch
expect 1 "" "nsisoctl: unknown user 'nosuch'" "release: an unknown user: exit 1"

done_testing
