#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# nsisoctl list, show and enter against real sets, made by real logins
# (the built module through the real libpam, build/nsiso-pamh) in the sandbox.
# Every claim of nsisoctl is checked against the kernel (/proc/PID/ns,
# /proc/PID/status) or against what a session itself reports.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib.sh"
setup
need_module
need_ctl
CTL_TMP=$STATE
ISO='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z'

groupadd nsiso-extra || bail "groupadd failed"
add_user nsiso-a -d "$W/home-a" -G nsiso-extra
mkdir -m 0700 "$W/home-a" && chown nsiso-a: "$W/home-a"
add_user nsiso-b
add_user nsiso-c
add_user nsiso-n
uid_a=$(uid_of nsiso-a)
uid_b=$(uid_of nsiso-b)
uid_c=$(uid_of nsiso-c)
uid_n=$(uid_of nsiso-n)
write_policy <<EOF
[global]
namespaces = mnt, ipc, uts
tmp_size = 64M

[user:nsiso-a]
lifetime = boot

[user:nsiso-c]
lifetime = boot
tmp = off
EOF
write_pam

# json_of USER: the list --json line of USER.
json_of()
{
	"$CTL" list --json 2>/dev/null | grep -F "\"user\":\"$1\"" || echo "{}"
}
# list_line USER: the text list line of USER.
list_line()
{
	"$CTL" list 2>/dev/null | awk -v u="$1" '$1 == u' | sed 's/  */ /g'
}
# ns_column "MNT IPC UTS": how list prints the namespaces.
ns_column()
{
	echo "mnt:$(field 1 "$1"),ipc:$(field 2 "$1"),uts:$(field 3 "$1")"
}

# ------------------------------------------------- before the first login
ctl list
expect 0 "" "" "list: no registry yet: prints nothing, exit 0"
ctl list --json
expect 0 "" "" "list --json: no registry yet: prints nothing, exit 0"
ctl show nsiso-a
expect 1 "" "nsisoctl: nsiso-a (uid $uid_a) has no set" "show: no registry yet: no set, exit 1"
ok_cmd "nsisoctl did not create the registry" test ! -e /run/nsiso

# ------------------------------------------------- a set with no session left (lifetime boot)
report_login a1 nsiso-a
expect_rc a1 "$RC" 0 "nsiso-a logs in and out (lifetime boot keeps the set)"
ns_a=$(fact nsiso-a a1 ns)

ctl list
is "$(printf '%s\n' "$COUT" | head -n 1 | sed 's/  */ /g')" \
	"USER UID VALID SESSIONS PROCS CREATED TMP NAMESPACES" "list: a header line"
line=$(list_line nsiso-a)
is "$(field 8 "$line")" "$(ns_column "$ns_a")" "list: nsiso-a's inodes are those its session saw in /proc/self/ns"
is "$(field 2 "$line") $(field 3 "$line") $(field 4 "$line") $(field 5 "$line")" "$uid_a yes 0 0" \
	"list: uid, valid, no session, no process"
like "$(field 6 "$line")" "^$ISO\$" "list: created is ISO 8601 UTC"
like "$(field 7 "$line")" '^[0-9.]+[BKMGT]/64\.0M$' "list: tmp usage of the 64M private /tmp"

j=$(json_of nsiso-a)
if have jq; then
	ok_cmd "list --json: valid JSON" sh -c 'printf "%s\n" "$1" | jq -e . >/dev/null' _ "$j"
	is "$(json_field "$j" '[.namespaces.mnt, .namespaces.ipc, .namespaces.uts] | map(tostring) | join(" ")')" \
		"$ns_a" "list --json: the same inodes"
	is "$(json_field "$j" '[.uid, .valid, .lifetime, (.sessions|length), .processes, .netns] | map(tostring) | join(" ")')" \
		"$uid_a true boot 0 0 null" "list --json: uid, valid, lifetime, sessions, processes, netns"
	is "$(json_field "$j" '[.tmp.private, .tmp.fstype, .tmp.size] | map(tostring) | join(" ")')" \
		"true tmpfs 67108864" "list --json: tmp is private, tmpfs, 64M"
	like "$(json_field "$j" .created)" "^$ISO\$" "list --json: created is ISO 8601 UTC"
else
	skip "list --json: field checks" "jq is not installed"
	like "$j" "\"mnt\":$(field 1 "$ns_a")," "list --json: the same mnt inode (without jq)"
fi

ctl show nsiso-a
is "$RC" 0 "show: exit 0"
is "$(printf '%s\n' "$COUT" | grep '^namespaces:')" \
	"namespaces: mnt:$(field 1 "$ns_a") ipc:$(field 2 "$ns_a") uts:$(field 3 "$ns_a")" "show: the same inodes"
is "$(printf '%s\n' "$COUT" | grep -E '^(user|uid|valid|lifetime|sessions|processes):' | tr -s ' ')" \
	"user: nsiso-a
uid: $uid_a
valid: yes
lifetime: boot
sessions: 0
processes: 0" "show: user, uid, valid, lifetime, sessions, processes"
like "$(printf '%s\n' "$COUT" | grep '^tmp:')" '^tmp: +[0-9.]+[BKMGT] used of 64\.0M \(tmpfs\)$' "show: tmp usage"

# ------------------------------------------------- enter
# shellcheck disable=SC2046
ctl enter nsiso-a -- stat -L -c %i $(ns_paths self)
is "$RC $(printf '%s\n' "$COUT" | paste -sd ' ' -)" "0 $ns_a" "enter: the command runs in the set's mnt, ipc and uts namespaces"
ctl enter nsiso-a -- sh -c 'id -u; pwd; grep CapEff /proc/self/status'
is "$COUT" "0
/
$(grep CapEff /proc/self/status)" "enter: as root, in /, with the caller's capabilities"

ctl enter nsiso-a --as-user -- cat /proc/self/status
is "$(printf '%s\n' "$COUT" | grep -E '^(Uid|Gid):' | tr -s '\t' ' ')" "Uid: $uid_a $uid_a $uid_a $uid_a
Gid: $(id -g nsiso-a) $(id -g nsiso-a) $(id -g nsiso-a) $(id -g nsiso-a)" "enter --as-user: real, effective, saved uid and gid are the user's"
is "$(printf '%s\n' "$COUT" | grep -E '^Cap(Inh|Prm|Eff|Amb):' | tr -s '\t' ' ')" "CapInh: 0000000000000000
CapPrm: 0000000000000000
CapEff: 0000000000000000
CapAmb: 0000000000000000" "enter --as-user: no capabilities left (CapEff 0)"
ctl enter nsiso-a --as-user -- id -G
is "$(printf '%s\n' "$COUT" | tr ' ' '\n' | sort -n | paste -sd ' ' -)" \
	"$(id -G nsiso-a | tr ' ' '\n' | sort -n | paste -sd ' ' -)" "enter --as-user: the user's supplementary groups"
RC=0
COUT=$(TERM=dumb-test "$CTL" enter nsiso-a --as-user -- env 2>&1) || RC=$?
is "$RC $(printf '%s\n' "$COUT" | sort | paste -sd ' ' -)" \
	"0 HOME=$W/home-a LOGNAME=nsiso-a PATH=/usr/local/bin:/usr/bin:/bin:/usr/games SHELL=/bin/sh TERM=dumb-test USER=nsiso-a" \
	"enter --as-user: a clean environment (HOME USER LOGNAME SHELL PATH, TERM kept)"
ctl enter nsiso-a --as-user -- pwd
is "$COUT" "$W/home-a" "enter --as-user: starts in the user's home"
ctl_in 'echo "$0"; id -u' enter nsiso-a --as-user
is "$RC $(printf '%s\n' "$COUT" | paste -sd ' ' -)" "0 -sh $uid_a" \
	"enter --as-user without a command: the user's shell from passwd, as a login shell"
ctl_in 'id -u; stat -L -c %i /proc/self/ns/mnt' enter nsiso-a
is "$RC $(printf '%s\n' "$COUT" | paste -sd ' ' -)" "0 0 $(field 1 "$ns_a")" \
	"enter without a command: the user's shell, as root, in the set"

ctl enter nsiso-a --as-user -- sh -c 'echo from-enter >/tmp/f; dd if=/dev/zero of=/tmp/big bs=1024 count=2048 2>/dev/null'
is "$RC" 0 "enter --as-user: the user writes into the set's /tmp"
ok_cmd "... and the host's /tmp does not have it" test ! -e /tmp/f
report_login a2 nsiso-a
is "$(fact nsiso-a a2 ns) $(fact nsiso-a a2 tmp_f)" "$ns_a from-enter" \
	"a new login of nsiso-a is in the same set and sees the file written through enter"
if have jq; then
	used=$(json_field "$(json_of nsiso-a)" .tmp.used)
	ok_cmd "list --json: tmp.used ($used) counts the 2 MiB written inside" test "${used:-0}" -ge 2097152
fi

ctl enter nsiso-a -- /nonexistent/cmd
expect 1 "" "nsisoctl: cannot run /nonexistent/cmd: No such file or directory" "enter: a command that cannot run: exit 1"
ctl enter nsiso-n -- true
expect 1 "" "nsisoctl: nsiso-n (uid $uid_n) has no set" "enter: a user without a set: exit 1"
ok_cmd "enter of a user without a set leaves no trace in the registry" test ! -e "/run/nsiso/users/$uid_n"
ctl enter nosuch -- true
expect 1 "" "nsisoctl: unknown user 'nosuch'" "enter: an unknown user: exit 1"
ctl enter
is "$RC" 2 "enter: no USER: exit 2"
ctl enter nsiso-a --bogus -- true
is "$RC $CERR" "2 nsisoctl: enter: unknown option '--bogus'
usage: nsisoctl enter USER [--as-user] [-- COMMAND [ARG...]]" "enter: an unknown option: exit 2"

# ------------------------------------------------- a set with a live session (lifetime processes)
bg_session b1 nsiso-b ":"
wait_ready b1 nsiso-b || bail "nsiso-b's session did not come up" "$(cat "$STATE/b1.err" 2>/dev/null)"
bpid=$(session_pid nsiso-b b1)
ns_b=$(ns_of "$bpid")
is "$(fact nsiso-b b1 ns)" "$ns_b" "nsiso-b's session is up (pid $bpid)"
line=$(list_line nsiso-b)
is "$(field 8 "$line")" "$(ns_column "$ns_b")" "list: the inodes of the live session's /proc/$bpid/ns"
is "$(field 4 "$line")" 1 "list: one open session"
ok_cmd "list: processes inside ($(field 5 "$line")) include at least the session's shell" test "$(field 5 "$line")" -ge 1
ctl show nsiso-b
sess=$(printf '%s\n' "$COUT" | sed -n 's/^  pid \([0-9]*\) *started .*/\1/p')
like "$(printf '%s\n' "$COUT" | grep '^  pid .* started')" "^  pid [0-9]+ +started $ISO\$" "show: the session record, with its start time"
is "$(ns_of "${sess:-0}" 2>/dev/null)" "$ns_b" "show: the session's pid ($sess) is a process inside the set (the one that opened it)"
ok_cmd "show: the process list has the session's shell ($bpid, uid $uid_b)" \
	sh -c 'printf "%s\n" "$1" | grep -Eq "^  pid $2 +uid $3 +sh$"' _ "$COUT" "$bpid" "$uid_b"
if have jq; then
	ctl show nsiso-b --json
	ok_cmd "show --json: valid JSON" sh -c 'printf "%s\n" "$1" | jq -e . >/dev/null' _ "$COUT"
	is "$(json_field "$COUT" '[(.sessions|length), .sessions[0].pid, .lifetime, (.processes == (.process_list|length)), (.process_list|map(.pid)|index('"$bpid"') != null)] | map(tostring) | join(" ")')" \
		"1 $sess processes true true" "show --json: sessions, lifetime, process_list with the session's shell"
fi
finish b1
expect_rc b1 "$RC" 0 "nsiso-b's session closes"

# ------------------------------------------------- tmp = off: the host's /tmp
report_login c1 nsiso-c
expect_rc c1 "$RC" 0 "nsiso-c logs in (tmp = off)"
is "$(field 7 "$(list_line nsiso-c)")" host "list: a set without a private /tmp shows 'host'"
have jq && is "$(json_field "$(json_of nsiso-c)" '.tmp.private')" false "list --json: tmp.private is false"

# ------------------------------------------------- odd names: escaping (names come from NSS)
odd=$(printf 'nsiso-"\\\001\303\251\377')
entry=$(grep '^nsiso-c:' /etc/passwd)
{
	grep -v '^nsiso-c:' /etc/passwd
	printf '%s%s\n' "$odd" "${entry#nsiso-c}"
} >"$STATE/passwd"
cat "$STATE/passwd" >/etc/passwd
j=$("$CTL" list --json | grep -F "\"uid\":$uid_c," || true)
like "$j" '^\{"user":"nsiso-\\"\\\\\\u0001é\\ufffd","uid"' \
	"list --json: a name with a quote, a backslash, a control byte, UTF-8 and a stray byte is escaped"
have jq && ok_cmd "list --json: ... and still valid JSON" sh -c 'printf "%s\n" "$1" | jq -e . >/dev/null' _ "$j"
like "$("$CTL" list | grep " $uid_c ")" '^nsiso-"\\x5c\\x01\\xc3\\xa9\\xff ' "list: the same name, escaped for a terminal"
ctl show "$uid_c"
like "$RC $(printf '%s\n' "$COUT" | head -n 1)" '^0 user: +nsiso-"\\x5c' "show: a numeric uid names a set whose user is not a valid name"
ctl show 4000000
expect 1 "" "nsisoctl: uid 4000000 has no set" "show: a uid without a set or account"

# ------------------------------------------------- a set whose pin no longer checks out
"$TOP/build/nsiso-keeper" umount "/$uid_c/uts" || fail "cannot unmount nsiso-c's uts pin (in the keeper)"
line=$("$CTL" list | grep " $uid_c " | sed 's/  */ /g')
is "$(field 3 "$line") $(field 7 "$line")" "no ?" "list: a set with a bad pin is not valid, and is not entered for tmp usage"
have jq && is "$(json_field "$("$CTL" list --json | grep -F "\"uid\":$uid_c,")" '[.valid, .tmp] | map(tostring) | join(" ")')" \
	"false null" "list --json: valid false, tmp null"
ctl enter "$uid_c" -- true
expect 1 "" "nsisoctl: the set of uid $uid_c is invalid (a pin does not check out)" "enter: refuses an invalid set"
ctl release "$uid_c"
like "$RC $COUT" "^0 released " "release: tears down an invalid set"
is "$(pins_of "$uid_c")" "" "release: ... every pin of it"

ctl list --bogus
is "$RC" 2 "list: an unknown option: exit 2"
ctl show
is "$RC" 2 "show: no USER: exit 2"
ctl list extra
is "$RC" 2 "list: an extra argument: exit 2"
ctl --help
is "$RC $(printf '%s\n' "$COUT" | head -n 1)" "0 usage: nsisoctl COMMAND [ARGS...]" "--help: the tool's usage, exit 0"
ctl frobnicate
expect 2 "" "nsisoctl: unknown command 'frobnicate' (try nsisoctl --help)" "an unknown command: exit 2"

done_testing
