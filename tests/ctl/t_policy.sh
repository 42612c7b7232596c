#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# nsisoctl check and explain on valid and broken policies: exact messages
# (read off the policy loader) and exit statuses. In the sandbox: test users
# and groups, files owned by a user, and an /etc/security/nsiso.conf of its own.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib.sh"
setup
need_ctl
CTL_TMP=$STATE

add_user nsiso-owner
add_user nsiso-e
add_user nsiso-x
groupadd nsiso-g1 && groupadd nsiso-g2 && groupadd nsiso-adm || bail "groupadd failed"
usermod -aG nsiso-g1,nsiso-g2 nsiso-e && usermod -aG nsiso-adm nsiso-x || bail "usermod failed"
uid_e=$(uid_of nsiso-e)
uid_x=$(uid_of nsiso-x)
uid_owner=$(uid_of nsiso-owner)
D=$CONFDIR
P=$D/p.conf
# What check prints first about $P (its drop-ins are in t_dropins.sh): the files it read.
NODROP="read $P
no drop-ins: $D/p.d does not exist"

# policy TEXT: $P, root-owned 0644 (printf %s: no format expansion of TEXT)
policy()
{
	printf '%s\n' "$1" >"$P"
	chown root:root "$P"
	chmod 0644 "$P"
}

# ---------------------------------------------------------------- check

policy "[global]
namespaces = mnt, ipc, uts
tmp_size   = 2G   ; a comment
[group:nsiso-g1]
lifetime = session
[user:nsiso-e]
hostname = %u-box"
ctl check "$P"
expect 0 "$NODROP
$P: valid" "" "check: a valid policy: the file read, 'FILE: valid', exit 0, nothing on stderr"

# check_bad DESC TEXT MESSAGE: the exact one-line problem, exit 1, only the file read on stdout.
check_bad()
{
	policy "$2"
	ctl check "$P"
	expect 1 "$NODROP" "nsisoctl: $3" "check: $1"
}

check_bad "unknown key" "[global]
namespaces = mnt
frobnicate = 1" "$P:3: [global] frobnicate: unknown key"
check_bad "bad value" "[global]
lifetime = forever" \
	"$P:2: [global] lifetime: invalid value 'forever' (expected processes, session or boot)"
check_bad "bad size in a group section" "[group:staff]
tmp_size = 0" \
	"$P:2: [group:staff] tmp_size: invalid size '0' (expected bytes with K/M/G/T suffix or 1-100%)"
check_bad "syntax error" "[global]
this line is not ini" "$P:2: syntax error"
check_bad "unterminated section header" "[global" "$P:1: syntax error"
check_bad "[global]-only key in a user section" "[global]
[user:bob]
on_error = allow" "$P:3: [user:bob] on_error: only allowed in [global]"
check_bad "duplicate key" "[global]
tmp = off
tmp = tmpfs" "$P:3: [global] tmp: duplicate key (first at line 2)"
check_bad "key outside any section" "tmp = off" \
	"$P:1: tmp: key outside any section (add [global])"
check_bad "unknown section kind" "[globul]" \
	"$P:1: [globul]: unknown section kind (expected [global], [group:NAME] or [user:NAME])"
check_bad "tmp dir under /proc" "[global]
tmp_dirs = /proc/x" "$P:2: [global] tmp_dirs: '/proc/x' is under /proc, which is not allowed"

# Every problem on its own line, in file order, each naming file, line,
# section and key; the first one is what a login logs.
policy "[global]
frobnicate = 1
lifetime = forever
[group:staff]
tmp_size = 0"
ctl check "$P"
expect 1 "$NODROP" "nsisoctl: $P:2: [global] frobnicate: unknown key
nsisoctl: $P:3: [global] lifetime: invalid value 'forever' (expected processes, session or boot)
nsisoctl: $P:5: [group:staff] tmp_size: invalid size '0' (expected bytes with K/M/G/T suffix or 1-100%)" \
	"check: three problems, three lines in file order, exit 1"
ctl explain nsiso-e --config "$P"
is "$RC $CERR" "1 nsisoctl: $P:2: [global] frobnicate: unknown key" \
	"explain: of several problems, only the first (the one a login logs)"

# A syntax error stops the load: one line, even with other problems before it.
policy "[global]
frobnicate = 1
this line is not ini
lifetime = forever"
ctl check "$P"
expect 1 "$NODROP" "nsisoctl: $P:3: syntax error" "check: a syntax error is the only line"

# The list is bounded: past 64 lines, one line counts the rest.
{
	echo "[global]"
	i=0
	while [ $i -lt 70 ]; do
		echo "bad$i = 1"
		i=$((i + 1))
	done
} >"$P"
ctl check "$P"
is "$RC $(printf '%s\n' "$CERR" | wc -l)" "1 65" "check: 70 problems: 64 lines and one more"
is "$(printf '%s\n' "$CERR" | sed -n '64p')" "nsisoctl: $P:65: [global] bad63: unknown key" \
	"check: the 64th line is the 64th problem"
is "$(printf '%s\n' "$CERR" | tail -n 1)" "nsisoctl: $P: ... and 6 more" \
	"check: the last line counts the problems not listed"

policy "[global]"
chmod 0664 "$P"
ctl check "$P"
expect 1 "" "nsisoctl: $P: the file is group or world writable (mode 0664)" \
	"check: a group-writable file is refused"
chmod 0644 "$P"
chown nsiso-owner "$P"
ctl check "$P"
expect 1 "" "nsisoctl: $P: the file is owned by uid $uid_owner, not root" \
	"check: a file owned by a user is refused"
mkdir -m 0775 "$D/gw"
printf '[global]\n' >"$D/gw/p.conf"
ctl check "$D/gw/p.conf"
expect 1 "" "nsisoctl: $D/gw: directory is group or world writable (mode 0775)" \
	"check: a file in a group-writable directory is refused"
policy "[global]"
ln -s "$P" "$D/link.conf"
ctl check "$D/link.conf"
expect 1 "" "nsisoctl: $D/link.conf: is a symbolic link (refusing to follow it)" \
	"check: a symbolic link is refused"
ctl check "$D/missing.conf"
expect 1 "" "nsisoctl: $D/missing.conf: cannot open the file: No such file or directory" \
	"check: a missing file"

RC=0
(cd "$D" && "$CTL" check p.conf >"$STATE/out" 2>&1) || RC=$?
is "$RC $(cat "$STATE/out")" "0 $NODROP
$P: valid" "check: a relative FILE is taken from the working directory"

mkdir -p /etc/security
ctl check
expect 1 "" "nsisoctl: /etc/security/nsiso.conf: cannot open the file: No such file or directory" \
	"check: the default file is /etc/security/nsiso.conf"
install -m 0644 "$TOP/config/nsiso.conf" /etc/security/nsiso.conf
ctl check
expect 0 "read /etc/security/nsiso.conf
no drop-ins: /etc/security/nsiso.d does not exist
/etc/security/nsiso.conf: valid" "" "check: the shipped example policy is valid"

ctl check a b
is "$RC" 2 "check: two files are a usage error (exit 2)"
ctl check --bogus
is "$RC $CERR" "2 nsisoctl: check: unknown option '--bogus'
usage: nsisoctl check [FILE]" "check: an unknown option is a usage error"
ctl check --help
is "$RC $(printf '%s\n' "$COUT" | head -n 1)" "0 usage: nsisoctl check [FILE]" "check --help: usage, exit 0"

# ---------------------------------------------------------------- explain

policy "[global]
tmp_size = 10%
exempt_users = root
exempt_groups = nsiso-adm
[group:nsiso-g1]
lifetime = session
[group:nsiso-g2]
lifetime = boot
[user:nsiso-e]
hostname = %u-box"
ctl explain nsiso-e --config "$P"
is "$RC" 0 "explain: exit 0 for a valid policy"
row()
{
	printf '%s\n' "$COUT" | grep -E "^$1 +=" || echo "no row $1"
}
is "$(printf '%s\n' "$COUT" | head -n 1)" "# nsiso-e (uid $uid_e), policy $P" "explain: header names user, uid and file"
is "$(row tmp_size)" "tmp_size     = 10%                      ; $P:2 [global]" \
	"explain: a [global] value and its source (file, line, section)"
is "$(row lifetime)" "lifetime     = boot                     ; $P:8 [group:nsiso-g2]" \
	"explain: of two matching groups the later one in the file wins"
is "$(row hostname)" "hostname     = %u-box                   ; $P:10 [user:nsiso-e]" "explain: the user's section wins"
is "$(row namespaces)" "namespaces   = mnt, ipc, uts            ; built-in default" "explain: a built-in default"
is "$(row tmp_dirs)" "tmp_dirs     = /tmp, /var/tmp           ; built-in default" "explain: a list value"
keys=$(sed -n 's/^[[:space:]]*[A-Z_]*([A-Z_]*, "\([a-z_]*\)".*/\1/p' "$TOP/lib/policy_keys.c" |
	grep -v '^exempt_' | sort | tr '\n' ' ')
is "$(printf '%s\n' "$COUT" | sed -n '2,$s/ .*//p' | sort | tr '\n' ' ')" "$keys" \
	"explain: one row per per-user key of the loader"

ctl explain root --config "$P"
expect 0 "root (uid 0) is exempt: exempt_users" "" "explain: root is exempt through exempt_users"
ctl explain nsiso-x --config "$P"
expect 0 "nsiso-x (uid $uid_x) is exempt: exempt_groups:nsiso-adm" "" \
	"explain: a member of an exempt group is exempt, and which group says so"

policy "[global]
on_error = deny
[user:nsiso-e]
bogus = 1"
ctl explain nsiso-e --config "$P"
expect 1 "nsiso-e (uid $uid_e): the policy is broken; logins are denied (on_error = deny)" \
	"nsisoctl: $P:4: [user:nsiso-e] bogus: unknown key" \
	"explain: a broken policy: the problem on stderr, 'denied' on stdout, exit 1"
ctl explain root --config "$P"
expect 1 "root (uid 0) is exempt: uid 0 with a broken policy" \
	"nsisoctl: $P:4: [user:nsiso-e] bogus: unknown key" "explain: root stays exempt with a broken policy"
policy "[global]
on_error = allow
tmp = sometimes"
ctl explain nsiso-e --config "$P"
expect 1 "nsiso-e (uid $uid_e): the policy is broken; logins are let in without isolation (on_error = allow)" \
	"nsisoctl: $P:3: [global] tmp: invalid value 'sometimes' (expected tmpfs, persistent or off)" \
	"explain: a broken policy with on_error = allow"
policy "[global]
on_error = allow
this line is not ini"
ctl explain nsiso-e --config "$P"
expect 1 "nsiso-e (uid $uid_e): the policy is broken; logins are denied (on_error = deny)" \
	"nsisoctl: $P:3: syntax error" \
	"explain: a syntax error: file and line, exit 1; its on_error is not honoured"
ctl explain root --config "$P"
expect 1 "root (uid 0) is exempt: uid 0 without a trustworthy policy" \
	"nsisoctl: $P:3: syntax error" "explain: root with a syntax error in the policy"
chmod 0666 "$P"
ctl explain nsiso-e --config "$P"
expect 1 "nsiso-e (uid $uid_e): the policy is broken; logins are denied (on_error = deny)" \
	"nsisoctl: $P: the file is group or world writable (mode 0666)" \
	"explain: an untrusted file: its on_error is not honoured"
ctl explain root --config "$P"
is "$COUT" "root (uid 0) is exempt: uid 0 without a trustworthy policy" "explain: root with an untrusted file"

ctl explain nosuch --config "$P"
expect 1 "" "nsisoctl: unknown user 'nosuch'" "explain: an unknown user"
ctl explain
is "$RC $CERR" "2 nsisoctl: explain: missing argument
usage: nsisoctl explain USER [--config FILE]" "explain: no USER is a usage error"
ctl explain nsiso-e --config
is "$RC" 2 "explain: --config without a value is a usage error"
policy "[global]"
ctl explain nsiso-e --config="$P"
is "$RC $(printf '%s\n' "$COUT" | head -n 1)" "0 # nsiso-e (uid $uid_e), policy $P" "explain: --config=FILE works too"

done_testing
