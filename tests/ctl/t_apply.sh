#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# nsisoctl apply against real sets made by real logins in the sandbox: after
# the policy changes, the live set's host name (hostname inside it), its
# /tmp size (df inside it) and SysV bounds (its kernel.shmmax), its lifetime
# (show) follow; --dry-run changes nothing (the keeper's mount table, the
# record, hostname and df compared before and after); what needs a rebuild
# is listed and nothing is touched; a shrink below use is refused whole; a
# set whose user is now exempt is listed for release and kept; msgmni follows
# tmp_size both ways, up to a new namespace's own 32000.
SANDBOX_EXTRA_OVERLAYS=dev # the /dev/log the logsink listens on
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib.sh"
setup
need_module
need_ctl
CTL_TMP=$STATE
start_logsink || bail "cannot start the /dev/log listener (build/tests/helpers/logsink)"

for u in nsiso-h nsiso-s nsiso-b nsiso-x; do
	add_user "$u"
done
uid_h=$(uid_of nsiso-h)
uid_s=$(uid_of nsiso-s)
uid_b=$(uid_of nsiso-b)
uid_x=$(uid_of nsiso-x)
L_h="nsiso-h (uid $uid_h)"
L_s="nsiso-s (uid $uid_s)"
L_b="nsiso-b (uid $uid_b)"
L_x="nsiso-x (uid $uid_x)"

POLICY1="[global]
namespaces = mnt, ipc, uts
tmp_size = 64M
lifetime = boot
hostname = old-%u"
printf '%s\n' "$POLICY1" | write_policy
write_pam

# apply ARGS...: nsisoctl apply with the test's policy (sets RC, COUT, CERR).
apply()
{
	ctl apply --config "$CONF" "$@"
}
# in_set USER CMD...: run CMD inside USER's set (nsisoctl enter, as root).
in_set()
{
	local u
	u=$1
	shift
	"$CTL" enter "$u" -- "$@" 2>/dev/null
}
tmp_size()
{
	in_set "$1" df -B1 --output=size /tmp | tail -n 1 | tr -d ' '
}
shmmax()
{
	in_set "$1" cat /proc/sys/kernel/shmmax
}
msgmni()
{
	in_set "$1" cat /proc/sys/kernel/msgmni
}
record()
{
	cat "/run/nsiso/users/$1/set" 2>/dev/null || echo NONE
}
keeper_table()
{
	keeper_root >/dev/null
	cut -d' ' -f 3- "/proc/$KEEPER_HOLDER/mountinfo"
}
# snapshot UID USER: everything apply could change, in one string.
snapshot()
{
	printf '%s\n--\n%s\n--\n%s %s %s\n' "$(keeper_table)" "$(record "$1")" \
		"$(in_set "$2" hostname)" "$(tmp_size "$2")" "$(shmmax "$2")"
}
syslog_lines()
{
	grep -F 'nsisoctl[' "$SYSLOG" 2>/dev/null | grep -F "$1" || true
}

for u in nsiso-h nsiso-s nsiso-b nsiso-x; do
	login "l-$u" "$u" -- true
	expect_rc "l-$u" $? 0 "$u logs in and out (lifetime boot keeps its set)"
done
is "$(in_set nsiso-h hostname) $(tmp_size nsiso-h) $(shmmax nsiso-h)" "old-nsiso-h 67108864 67108864" \
	"before: nsiso-h's set has host name old-nsiso-h, a 64M /tmp, shmmax 64M"
is "$(msgmni nsiso-h)" 4096 "before: ... and msgmni 64M / 16K queues"

# ------------------------------------------------- nothing changed
apply nsiso-h
expect 0 "$L_h: up to date" "" "apply: the policy the set was made with: up to date, exit 0"

# ------------------------------------------------- the new policy
write_policy <<EOF
[global]
namespaces = mnt, ipc, uts
tmp_size = 128M
lifetime = boot
hostname = new-%u
exempt_users = nsiso-x

[user:nsiso-h]
lifetime = session

[user:nsiso-s]
tmp_size = 1M

[user:nsiso-b]
tmp_size = 64M
hostname = old-%u
tmp = off
propagation = private
EOF

# ------------------------------------------------- --dry-run
before=$(snapshot "$uid_h" nsiso-h)
apply nsiso-h --dry-run
expect 0 "$L_h: would apply: lifetime boot -> session, tmp_size 64M -> 128M, hostname old-nsiso-h -> new-nsiso-h" "" \
	"apply --dry-run: prints the plan, exit 0"
is "$(snapshot "$uid_h" nsiso-h)" "$before" \
	"apply --dry-run: keeper's mount table, record, hostname, df and shmmax unchanged"
is "$(syslog_lines "$L_h")" "" "apply --dry-run: logs nothing"

# ------------------------------------------------- in place
# shellcheck disable=SC2046
ns_before=$(in_set nsiso-h stat -L -c %i $(ns_paths self) | paste -sd ' ' -)
apply nsiso-h
expect 0 "$L_h: applied: lifetime boot -> session, tmp_size 64M -> 128M, hostname old-nsiso-h -> new-nsiso-h" "" \
	"apply: changes in place, says what, exit 0"
is "$(in_set nsiso-h hostname)" new-nsiso-h "apply: hostname inside the set is the new one"
is "$(tmp_size nsiso-h)" 134217728 "apply: df inside the set: /tmp is 128M"
is "$(shmmax nsiso-h)" 134217728 "apply: kernel.shmmax of the set's IPC namespace follows tmp_size"
is "$(msgmni nsiso-h)" 8192 "apply: ... and kernel.msgmni (a live set's is always written)"
is "$(hostname)" "$SANDBOX_HOST" "apply: the host's own name is untouched"
ctl show nsiso-h
is "$(printf '%s\n' "$COUT" | grep -E '^lifetime:' | tr -s ' ')" "lifetime: session" \
	"apply: show gives the new lifetime"
is "$(syslog_lines "$L_h" | grep -c "applied: lifetime boot -> session, tmp_size 64M -> 128M, hostname old-nsiso-h -> new-nsiso-h")" 1 \
	"apply: one syslog line (ident nsisoctl) says what changed"
like "$(syslog_lines "$L_h")" "^LOG <85>" "apply: ... at authpriv.notice"
apply nsiso-h
expect 0 "$L_h: up to date" "" "apply again: up to date"
report_login h2 nsiso-h
expect_rc h2 "$RC" 0 "nsiso-h logs in again"
is "$(fact nsiso-h h2 ns)" "$ns_before" "the login joins the same set (no rebuild)"
is "$(fact nsiso-h h2 hostname)" new-nsiso-h "the session's hostname is the new one"
ctl show nsiso-h
expect 1 "" "nsisoctl: $L_h has no set" "lifetime session applied: the set ended with that session"

# ------------------------------------------------- shrink below use: refused whole
in_set nsiso-s dd if=/dev/zero of=/tmp/big bs=1M count=4 status=none
before=$(snapshot "$uid_s" nsiso-s)
apply nsiso-s
is "$RC $COUT" "1 " "apply: tmp_size below what the tmpfs holds: exit 1, nothing printed as applied"
like "$CERR" "^nsisoctl: nsiso-s \\(uid $uid_s\\): tmp_size 64M -> 1M: below what the user's tmpfs holds now \\([0-9]+ bytes, [0-9]+ inodes\\): nothing applied" \
	"apply: says why, in one line"
is "$(snapshot "$uid_s" nsiso-s)" "$before" "apply: refused: hostname, df, shmmax, record and keeper unchanged"
is "$(syslog_lines "$L_s")" "" "apply: refused: nothing logged"

# ------------------------------------------------- a rebuild is needed
before=$(snapshot "$uid_b" nsiso-b)
apply nsiso-b
expect 3 "$L_b: needs a rebuild: tmp tmpfs -> off, propagation slave -> private" "" \
	"apply: a change that needs a rebuild is listed, old -> new, exit 3"
is "$(snapshot "$uid_b" nsiso-b)" "$before" "apply: ... and nothing is touched"
like "$(in_set nsiso-b findmnt -n -o SOURCE --mountpoint /tmp | tail -n 1)" "^nsiso-tmp\\[" \
	"apply: the set's /tmp is still its tmpfs"

# ------------------------------------------------- exempt now
apply nsiso-x
expect 3 "$L_x: release: now exempt (exempt_users) (nsisoctl release once its sessions have ended)" "" \
	"apply: a set whose user is exempt now is listed for release, exit 3"
is "$(pins_of "$uid_x" | wc -l | tr -d ' ')" 3 "apply: ... and kept (its pins are there)"

# ------------------------------------------------- --all
apply --all --dry-run
is "$RC" 1 "apply --all --dry-run: a set would refuse (nsiso-s): exit 1"
like "$CERR" "tmp_size 64M -> 1M: below what" "apply --all --dry-run: says which and why"
is "$(printf '%s\n' "$COUT" | grep -c .)" 2 "apply --all --dry-run: the two other sets (nsiso-b, nsiso-x) still have their line"
in_set nsiso-s rm -f /tmp/big

# ------------------------------------------------- a step fails: the ones before it are undone
# The record is written last: a directory in the way of its set.new makes
# that last step fail after the tmpfs was resized and the host name set.
before=$(snapshot "$uid_s" nsiso-s)
mkdir "/run/nsiso/users/$uid_s/set.new"
apply nsiso-s
is "$RC $COUT" "1 " "apply: the record cannot be written: exit 1"
like "$CERR" "^nsisoctl: nsiso-s \\(uid $uid_s\\): cannot (write|commit) set record" "apply: ... says so"
is "$(snapshot "$uid_s" nsiso-s)" "$before" \
	"apply: ... the resize and the host name are undone: df, shmmax, hostname, record as before"
rmdir "/run/nsiso/users/$uid_s/set.new"

apply --all
is "$RC" 3 "apply --all: applied where it can be, some set needs a rebuild: exit 3"
like "$COUT" "nsiso-s \\(uid $uid_s\\): applied: tmp_size 64M -> 1M, hostname old-nsiso-s -> new-nsiso-s" "apply --all: nsiso-s applied now"
is "$(in_set nsiso-s hostname) $(tmp_size nsiso-s)" "new-nsiso-s 1048576" "apply --all: nsiso-s's set has them"

# ------------------------------------------------- back to the host's name
write_policy <<EOF
[global]
namespaces = mnt, ipc, uts
tmp_size = 1M
lifetime = boot
exempt_users = nsiso-x
EOF
apply nsiso-s
expect 0 "$L_s: applied: hostname new-nsiso-s -> (the host's name)" "" \
	"apply: no hostname in the policy: the set gets the host's name"
is "$(in_set nsiso-s hostname)" "$SANDBOX_HOST" "apply: ... hostname inside the set is the host's"
apply nsiso-s
expect 0 "$L_s: up to date" "" "apply: ... and the set is up to date after that"

# ------------------------------------------------- msgmni back to a new namespace's own
# A creation leaves msgmni at the kernel's initial 32000 when tmp_size allows as
# many queues (>= 500 MiB); a live set holds the lower bound of its old tmp_size
# (1M: 64 queues), so apply must write it.
is "$(msgmni nsiso-s)" 64 "before: nsiso-s's set (tmp_size 1M) has msgmni 64"
policy_size()
{
	write_policy <<EOF2
[global]
namespaces = mnt, ipc, uts
tmp_size = $1
lifetime = boot
exempt_users = nsiso-x
EOF2
}
policy_size 1G
apply nsiso-s
expect 0 "$L_s: applied: tmp_size 1M -> 1G" "" "apply: tmp_size 1M -> 1G"
is "$(msgmni nsiso-s) $(shmmax nsiso-s)" "32000 1073741824" \
	"apply: ... msgmni is raised to 32000 (1G / 16K, capped), shmmax to 1G"
policy_size 1M
apply nsiso-s
expect 0 "$L_s: applied: tmp_size 1G -> 1M" "" "apply: and back to 1M"
is "$(msgmni nsiso-s)" 64 "apply: ... msgmni 64 again"

# ------------------------------------------------- tmp_share: binds made at creation
write_policy <<EOF
[global]
namespaces = mnt, ipc, uts
tmp_size = 1M
lifetime = boot
exempt_users = nsiso-x
tmp_share = .X11-unix, .ICE-unix:rw
EOF
before=$(snapshot "$uid_s" nsiso-s)
apply nsiso-s
expect 3 "$L_s: needs a rebuild: tmp_share (none) -> .X11-unix:ro .ICE-unix:rw" "" \
	"apply: a new tmp_share needs a rebuild: listed, exit 3"
is "$(snapshot "$uid_s" nsiso-s)" "$before" "apply: ... and nothing is touched"

# ------------------------------------------------- a record from before the settings were kept
sed -i '/^\(settings\|tmp\|propagation\|netmode\|tmpsize\|hostname\|tmpdirs\)=/d' "/run/nsiso/users/$uid_b/set"
ctl show nsiso-b
is "$RC" 0 "a record without settings is still a valid set"
apply nsiso-b
expect 0 "$L_b: its record predates recorded settings: only namespaces, netns_name and lifetime compared
$L_b: up to date" "" "apply: such a set is compared on what its record has, and says so"

# ------------------------------------------------- errors
apply
is "$RC" 2 "apply: neither USER nor --all: exit 2"
apply nsiso-h --all
is "$RC" 2 "apply: both USER and --all: exit 2"
printf '%s\nbogus = 1\n' "$POLICY1" | write_policy
before=$(snapshot "$uid_h" nsiso-h)
apply nsiso-h
is "$RC $COUT" "1 " "apply: a broken policy: exit 1"
like "$CERR" "bogus" "apply: ... names the bad key"
is "$(snapshot "$uid_h" nsiso-h)" "$before" "apply: a broken policy changes nothing"

done_testing
