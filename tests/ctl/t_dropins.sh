#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# nsisoctl check and explain with drop-ins (issue 15): check reads the main
# file and its nsiso.d, lists the files it read (and the names it ignored),
# and names FILE:LINE of every problem in whichever file it is; explain says
# per value which FILE:LINE [section] decided it. Exact output, exit statuses.
# In the sandbox: a test user and group, files owned by a user.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib.sh"
setup
need_ctl
CTL_TMP=$STATE

add_user nsiso-owner
add_user nsiso-e
groupadd nsiso-g1 && usermod -aG nsiso-g1 nsiso-e || bail "groupadd/usermod failed"
uid_e=$(uid_of nsiso-e)
uid_owner=$(uid_of nsiso-owner)
P=$CONFDIR/site.conf
DD=$CONFDIR/site.d

# put FILE TEXT: FILE root-owned 0644 (printf %s: no format expansion of TEXT)
put()
{
	printf '%s\n' "$2" >"$1"
	chown root:root "$1"
	chmod 0644 "$1"
}

put "$P" "[global]
tmp_size = 2G
exempt_users = root
[group:nsiso-g1]
lifetime = session"
mkdir -m 0755 "$DD"
ctl check "$P"
expect 0 "read $P
no drop-ins in $DD
$P: valid" "" "check: an empty drop-in directory"

put "$DD/50-g1.conf" "# the group's file, as configuration management drops it
[group:nsiso-g1]
lifetime = boot
tmp_size = 1G"
put "$DD/10-base.conf" "[global]
hostname = %u-%h"
put "$DD/50-g1.conf~" "not ini at all"
put "$DD/.50-g1.conf.swp" "not ini at all"
put "$DD/README" "not ini at all"
ctl check "$P"
expect 0 "read $P
read $DD/10-base.conf
read $DD/50-g1.conf
ignored $DD/50-g1.conf~ (only *.conf files are drop-ins)
ignored $DD/README (only *.conf files are drop-ins)
$P: valid" "" "check: the files read in byte order, the ignored names (not the hidden ones), valid"

ctl explain nsiso-e --config "$P"
is "$RC" 0 "explain: exit 0"
row()
{
	printf '%s\n' "$COUT" | grep -E "^$1 +=" || echo "no row $1"
}
is "$(row tmp_size)" "tmp_size     = 1073741824               ; $DD/50-g1.conf:4 [group:nsiso-g1]" \
	"explain: a value from a drop-in: FILE:LINE [section]"
is "$(row lifetime)" "lifetime     = boot                     ; $DD/50-g1.conf:3 [group:nsiso-g1]" \
	"explain: a drop-in replaces a key of the main file's section"
is "$(row hostname)" "hostname     = %u-%h                    ; $DD/10-base.conf:2 [global]" \
	"explain: a [global] key from a drop-in"
is "$(row namespaces)" "namespaces   = mnt, ipc, uts            ; built-in default" "explain: a built-in default"
ctl explain nsiso-owner --config "$P"
is "$(row tmp_size)" "tmp_size     = 2147483648               ; $P:2 [global]" \
	"explain: a user not in the group gets the main file's [global] value"

put "$DD/90-exempt.conf" "[global]
exempt_users = root, nsiso-e"
ctl explain nsiso-e --config "$P"
expect 0 "nsiso-e (uid $uid_e) is exempt: exempt_users" "" "explain: exempt through a drop-in's exempt_users"
rm -f "$DD/90-exempt.conf"

# Problems in several files: every one, in file order, each naming its file and line.
put "$P" "[global]
frobnicate = 1
[group:nsiso-g1]
lifetime = session"
put "$DD/50-g1.conf" "[group:nsiso-g1]
lifetime = forever
lifetime = boot"
put "$DD/60-x.conf" "tmp = off"
ctl check "$P"
expect 1 "read $P
read $DD/10-base.conf
read $DD/50-g1.conf
read $DD/60-x.conf
ignored $DD/50-g1.conf~ (only *.conf files are drop-ins)
ignored $DD/README (only *.conf files are drop-ins)" "nsisoctl: $P:2: [global] frobnicate: unknown key
nsisoctl: $DD/50-g1.conf:3: [group:nsiso-g1] lifetime: duplicate key (first at line 2)
nsisoctl: $DD/60-x.conf:1: tmp: key outside any section (add [global])" \
	"check: three problems in three files, in file order, each naming FILE:LINE"
ctl explain nsiso-e --config "$P"
expect 1 "nsiso-e (uid $uid_e): the policy is broken; logins are denied (on_error = deny)" \
	"nsisoctl: $P:2: [global] frobnicate: unknown key" "explain: the first problem, the decision"
rm -f "$DD/60-x.conf" "$DD/50-g1.conf~" "$DD/README" "$DD/.50-g1.conf.swp"
put "$DD/50-g1.conf" "[group:nsiso-g1]
lifetime = boot"
put "$P" "[global]
on_error = allow"

# Files that cannot be used: the problem names the file; the others are still read and checked.
chmod 0664 "$DD/10-base.conf"
ctl check "$P"
expect 1 "read $P
read $DD/50-g1.conf" "nsisoctl: $DD/10-base.conf: the file is group or world writable (mode 0664)" \
	"check: a group-writable drop-in"
ctl explain nsiso-e --config "$P"
expect 1 "nsiso-e (uid $uid_e): the policy is broken; logins are let in without isolation (on_error = allow)" \
	"nsisoctl: $DD/10-base.conf: the file is group or world writable (mode 0664)" \
	"explain: a group-writable drop-in: the main file's on_error = allow still answers"
chmod 0644 "$DD/10-base.conf"
chown nsiso-owner "$DD/10-base.conf"
ctl check "$P"
expect 1 "read $P
read $DD/50-g1.conf" "nsisoctl: $DD/10-base.conf: the file is owned by uid $uid_owner, not root" \
	"check: a drop-in owned by a user"
rm -f "$DD/10-base.conf"
ln -s "$P" "$DD/10-base.conf"
ctl check "$P"
expect 1 "read $P
read $DD/50-g1.conf" "nsisoctl: $DD/10-base.conf: is a symbolic link (refusing to follow it)" \
	"check: a symlinked drop-in is refused, not followed"
rm -f "$DD/10-base.conf"
mkfifo -m 0644 "$DD/10-base.conf"
ctl check "$P"
expect 1 "read $P
read $DD/50-g1.conf" "nsisoctl: $DD/10-base.conf: not a regular file" "check: a FIFO drop-in (no hang)"
rm -f "$DD/10-base.conf"
chmod 0775 "$DD"
ctl check "$P"
expect 1 "read $P" "nsisoctl: $DD: the directory is group or world writable (mode 0775)" \
	"check: a group-writable drop-in directory: none of its files is read"
chmod 0755 "$DD"

# The main file that cannot be used: nothing else is read or printed.
chmod 0664 "$P"
ctl check "$P"
expect 1 "" "nsisoctl: $P: the file is group or world writable (mode 0664)" \
	"check: an unusable main file is the only problem"
chmod 0644 "$P"

# The directory of any config path: NAME.conf -> NAME.d, anything else gets .d added.
put "$CONFDIR/policy" "[global]"
mkdir -m 0755 "$CONFDIR/policy.d"
put "$CONFDIR/policy.d/a.conf" "[global]
lifetime = boot"
ctl check "$CONFDIR/policy"
expect 0 "read $CONFDIR/policy
read $CONFDIR/policy.d/a.conf
$CONFDIR/policy: valid" "" "check: the drop-ins of a file not named *.conf are in FILE.d"
ctl check "$CONFDIR/nope.conf"
expect 1 "" "nsisoctl: $CONFDIR/nope.conf: cannot open the file: No such file or directory" \
	"check: a missing main file, even with no drop-in directory"

done_testing
