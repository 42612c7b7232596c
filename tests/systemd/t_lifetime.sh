#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Every lifetime ends a set exactly when nsiso.conf(5) says, under a real
# systemd, where every login also starts the user's manager (user@UID.service,
# whose PAM session is one of the set's sessions) and logind stops it about
# 10 s after the user's last login ends (UserStopDelaySec), or never while the
# user lingers:
#   nsxsd1  processes   the set lives while the manager does, and ends when
#                       it stops (its session was the last one, no process
#                       is left);
#   nsxsd2  session     the set ends when the manager stops although a
#                       process (nsisoctl enter) still runs in it; that
#                       process keeps its namespaces; the next login gets a
#                       fresh set;
#   nsxsd3  boot        the set outlives every session;
#   nsxsd4  processes,  loginctl enable-linger starts the manager without a
#           lingering   login: it makes the set, the ssh login joins it, the
#                       set outlives the login and the 10 s; disable-linger
#                       stops the manager and ends the set;
#   nsxsd5  processes   a process (nsisoctl enter) outlives the sessions: the
#                       set stays; once the process is gone, nsisoctl gc
#                       reaps it.
# A set "lives": its three pins are in the registry's keeper (registry v2). It "ends": no mount
# table on the machine holds a pin of it and no process is in its mount
# namespace (but the one that outlived a lifetime = session).
# shellcheck source=tests/systemd/lib.sh disable=SC3043,SC2317
# (SC2317: wait_for calls the small predicate functions below)
. "$(dirname "$0")/lib.sh"
sd_setup nsxsd1 nsxsd2 nsxsd3 nsxsd4 nsxsd5
write_policy <<EOF
[global]
namespaces = mnt, ipc, uts
lifetime = processes

[user:nsxsd2]
lifetime = session

[user:nsxsd3]
lifetime = boot
EOF
HOSTNS=$(ns_of 1)
u1=$(uid_of nsxsd1)
u2=$(uid_of nsxsd2)
u3=$(uid_of nsxsd3)
u4=$(uid_of nsxsd4)
u5=$(uid_of nsxsd5)

# pinned SET: PID 1's mount table holds the set's mnt, ipc and uts pins.
# keeper_refs SET: the keeper's nsfs mounts of SET's namespaces, one line each.
keeper_refs()
{
	"$TOP/build/nsiso-keeper" mounts 2>/dev/null |
		grep -E "$(nsfs_re "$1")" || true
}

pinned()
{
	[ "$(keeper_refs "$1" | wc -l)" = 3 ]
}

# procs_in SET: "pid comm" of every process in the set's mount namespace.
procs_in()
{
	local f
	for f in /proc/[0-9]*; do
		[ "$(stat -L -c %i "$f/ns/mnt" 2>/dev/null)" = "$(field 1 "$1")" ] || continue
		echo "${f#/proc/} $(cat "$f/comm" 2>/dev/null)"
	done
}

# gone SET: no mount table holds a pin of it.
gone()
{
	no_refs_of "$1"
}

# lives USER SET DESC: a test that SET is pinned.
lives()
{
	if pinned "$2"; then
		pass "$1's set lives: $3"
	else
		fail "$1's set lives: $3" "pins of '$2' in the registry's keeper: $(keeper_refs "$2" | wc -l)"
	fi
}

# ends USER SET DESC [KEEP-PID]: within 3 s no mount table holds a pin of
# SET, and no process but KEEP-PID is in it.
ends()
{
	local left
	wait_for 3 gone "$2"
	if gone "$2"; then
		pass "$1's set ends: $3 (no mount table holds a pin)"
	else
		fail "$1's set ends: $3 (no mount table holds a pin)" "still pinned in the mount tables of:" \
			"$(for f in $(refs_of "$2"); do f=${f#/proc/}; f=${f%/mountinfo}; echo "$f $(args_of "$f" | cut -c1-60)"; done)" \
			"nsisoctl list:" "$(nsisoctl list 2>&1)"
	fi
	left=$(procs_in "$2" | grep -v "^${4:-none} ")
	empty "$left" "$1's set ends: no process left in it$([ -z "${4:-}" ] || echo " but the one that outlived the session ($4)")"
}

manager_up()
{
	[ "$(manager_pid "$1")" != 0 ]
}

manager_down()
{
	[ "$(manager_pid "$1")" = 0 ]
}

all_down()
{
	manager_down "$u1" && manager_down "$u2" && manager_down "$u3" && manager_down "$u5"
}

# ---------------------------------------------------------------- nsxsd4 lingers
ok_cmd "loginctl enable-linger nsxsd4" loginctl enable-linger nsxsd4
wait_for 15 manager_up "$u4"
m4=$(manager_pid "$u4")
like "$m4" '^[1-9][0-9]*$' "enable-linger starts user@$u4.service without a login"
set4=$(ns_of "$m4")
isnt "$(field 1 "$set4")" "$(field 1 "$HOSTNS")" "nsxsd4's lingering manager is in a set (its PAM session made it)"
lives nsxsd4 "$set4" "made by the lingering manager"

# ---------------------------------------------------------------- logins
for n in 1 2 3 4 5; do
	session_start "s$n" "nsxsd$n" || bail "nsxsd$n's ssh login did not come up"
done
set1=$(ns_of "$(session_pid s1)")
set2=$(ns_of "$(session_pid s2)")
set3=$(ns_of "$(session_pid s3)")
set5=$(ns_of "$(session_pid s5)")
is "$(ns_of "$(session_pid s4)")" "$set4" "nsxsd4's ssh login joins the set of its lingering manager"
for t in "1 $u1 $set1" "2 $u2 $set2" "3 $u3 $set3" "5 $u5 $set5"; do
	n=$(field 1 "$t")
	u=$(field 2 "$t")
	is "$(ns_of "$(manager_pid "$u")")" "${t#* * }" "nsxsd$n: the login and user@$u.service share one set"
done
run_facts s2 "nsxsd2: write /tmp/f" "echo old-set >/tmp/f"

# Processes that outlive the sessions, outside logind's sessions (as a job
# an administrator starts in a user's set): nsisoctl enter --as-user.
for n in 2 5; do
	nsisoctl enter "nsxsd$n" --as-user -- sleep "30$n" </dev/null >/dev/null 2>&1 &
done
# enter_pid SET N: the "sleep 30N" running in it.
enter_pid()
{
	local p
	for p in $(procs_in "$1" | awk '$2 == "sleep" { print $1 }'); do
		[ "$(args_of "$p")" != "sleep 30$2" ] || echo "$p"
	done
}
have_enter()
{
	[ -n "$(enter_pid "$1" "$2")" ]
}
wait_for 10 have_enter "$set2" 2
wait_for 10 have_enter "$set5" 5
p2=$(enter_pid "$set2" 2)
p5=$(enter_pid "$set5" 5)
like "$p2" '^[0-9]+$' "nsxsd2: a process (nsisoctl enter) runs in the set"
like "$p5" '^[0-9]+$' "nsxsd5: a process (nsisoctl enter) runs in the set"

# ---------------------------------------------------------------- logouts
for n in 1 2 3 4 5; do
	session_end "s$n"
	is "$RC" 0 "nsxsd$n's ssh session ends with exit status 0"
done
t0=$(date +%s)
sleep 3
for t in "1 $u1 $set1" "2 $u2 $set2" "3 $u3 $set3" "5 $u5 $set5"; do
	n=$(field 1 "$t")
	u=$(field 2 "$t")
	s=${t#* * }
	if manager_up "$u"; then
		pass "nsxsd$n: 3 s after the logout, user@$u.service still runs (logind's stop delay)"
	else
		fail "nsxsd$n: 3 s after the logout, user@$u.service still runs (logind's stop delay)"
	fi
	lives "nsxsd$n" "$s" "while the user manager's session is open"
done

wait_for 30 all_down
stop=$(($(date +%s) - t0))
if all_down; then
	pass "the user managers of nsxsd1,2,3,5 stop ${stop} s after the logouts"
else
	fail "the user managers of nsxsd1,2,3,5 stop within 30 s of the logouts"
fi
like "$stop" '^([89]|1[0-5])$' "... about 10 s after (logind's UserStopDelaySec)"

# processes: the manager's session was the last one, no process is left.
ends nsxsd1 "$set1" "lifetime = processes, when user@$u1.service stops"
# session: the last session is gone, the process outside keeps its namespaces.
ends nsxsd2 "$set2" "lifetime = session, when user@$u2.service stops, though a process remains" "$p2"
is "$(field 1 "$(ns_of "$p2")")" "$(field 1 "$set2")" "nsxsd2: the remaining process keeps its (detached) mount namespace"
session_start s2b nsxsd2 || bail "nsxsd2's next ssh login did not come up"
run_facts s2b "nsxsd2 next login: report" "$BIN/sdfacts"
isnt "$(field 1 "$(getf ns "$FACTS")")" "$(field 1 "$set2")" "nsxsd2's next login gets a fresh set, not the one its old process holds"
is "$(getf tmp_f "$FACTS")" ABSENT "nsxsd2's next login: a fresh /tmp"
session_end s2b
kill "$p2" 2>/dev/null
# boot: never by itself.
lives nsxsd3 "$set3" "lifetime = boot, after every session and the manager ended"
# processes, with a process left: the set stays until it is gone and gc runs.
lives nsxsd5 "$set5" "lifetime = processes, while a process remains after the manager stopped"
kill "$p5" 2>/dev/null
exited()
{
	! kill -0 "$1" 2>/dev/null
}
wait_for 5 exited "$p5"
lives nsxsd5 "$set5" "lifetime = processes, its last process gone, before nsisoctl gc"
rc=0
out=$(nsisoctl gc 2>&1) || rc=$?
is "$rc" 0 "nsisoctl gc exits 0"
is "$out" "released nsxsd5 (uid $u5)" "nsisoctl gc releases nsxsd5, and only nsxsd5"
ends nsxsd5 "$set5" "lifetime = processes, after nsisoctl gc"
lives nsxsd3 "$set3" "lifetime = boot, after nsisoctl gc"

# lingering: the manager and the set outlive the login and the stop delay.
is "$(manager_pid "$u4")" "$m4" "nsxsd4 lingers: user@$u4.service still runs, $(($(date +%s) - t0)) s after the logout"
lives nsxsd4 "$set4" "while nsxsd4 lingers"
ok_cmd "loginctl disable-linger nsxsd4" loginctl disable-linger nsxsd4
t1=$(date +%s)
wait_for 20 manager_down "$u4"
if manager_down "$u4"; then
	pass "disable-linger: user@$u4.service stops ($(($(date +%s) - t1)) s)"
else
	fail "disable-linger: user@$u4.service stops within 20 s"
fi
ends nsxsd4 "$set4" "lifetime = processes, when the no longer lingering manager stops"

# What the module said at the closes (its errors, its tear-downs), for the
# reader of a failure.
diag "the module's journal lines other than create/join:"
journalctl -b --no-pager -o cat 2>&1 | grep -F 'pam_nsiso(' | grep -v -E ' action=(create|join) ' | _tap_excerpt

done_testing
