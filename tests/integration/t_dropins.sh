#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Policy drop-ins (issue 15): the *.conf files of nsiso.d next to the policy
# file (config=/etc/nsiso-test/nsiso.conf -> /etc/nsiso-test/nsiso.d), with
# the real libpam and kernel facts (the host name inside a new set, the
# session's /proc/self/ns against the sandbox's):
# - a drop-in added, edited or removed changes the decision at the next
#   login (a host name of a [user:] section, an exemption of [global]);
#   names that are not drop-ins (editor leftovers) change nothing;
# - a group-writable drop-in, one owned by a user, a symlinked one: the
#   non-exempt user is denied with one syslog line naming that file, root
#   gets in, nothing is made; with on_error = allow in the main file the user
#   gets in without isolation;
# - the policy cache follows the drop-ins: an edit with the size, inode and
#   mtime kept, a drop-in added, renamed or removed, all within one timestamp
#   tick (the directory's mtime put back too), each take effect at the very
#   next login.
SANDBOX_EXTRA_OVERLAYS=dev # the /dev/log the logsink listens on
. "$(dirname "$0")/lib.sh"
setup
need_module
command -v logger >/dev/null 2>&1 || bail "logger (bsdutils) is needed to sync with the log"

add_user nsiso-da
uid_da=$(uid_of nsiso-da)
mkdir -m 0700 "$OUT/root"
start_logsink || bail "cannot start the /dev/log listener (cc tests/lib/logsink.c)"
DROP=$CONFDIR/nsiso.d

# dlogin TAG USER: report_login; the module's log lines in $STATE/TAG.log.
dlogin()
{
	local n0
	sync_log
	n0=$(wc -l <"$SYSLOG")
	report_login "$@"
	sync_log
	tail -n +$((n0 + 1)) "$SYSLOG" | grep 'pam_nsiso(' >"$STATE/$1.log" || true
}

# put_dropin NAME MODE < TEXT: $DROP/NAME, root-owned (written aside, renamed in).
put_dropin()
{
	cat >"$DROP/.$1.tmp"
	chown root:root "$DROP/.$1.tmp"
	chmod "$2" "$DROP/.$1.tmp"
	mv -f "$DROP/.$1.tmp" "$DROP/$1"
}

# expect_host TAG HOST DESC: nsiso-da's session TAG opened, in a set of its own, named HOST.
expect_host()
{
	expect_rc "$1" "$RC" 0 "$3: nsiso-da's session opens"
	isnt "$(field 1 "$(fact nsiso-da "$1" ns)")" "$(field 1 "$SANDBOX_NS")" "$3: nsiso-da is in a set"
	is "$(fact nsiso-da "$1" hostname)" "$2" "$3: the host name inside the set is $2"
}

# expect_exempt TAG DESC: nsiso-da's session TAG opened in the sandbox's namespaces.
expect_exempt()
{
	expect_rc "$1" "$RC" 0 "$2: nsiso-da's session opens"
	is "$(fact nsiso-da "$1" ns)" "$SANDBOX_NS" "$2: nsiso-da is in the sandbox's namespaces (no set)"
}

# policy_step TAG: the module's debug step about the policy.
policy_step()
{
	grep 'step: policy ' "$STATE/$1.log" | sed 's/.*step: //' | head -n 1
}

write_policy <<EOF
[global]
namespaces   = mnt, ipc, uts
lifetime     = session
exempt_users = root

[user:nsiso-da]
hostname = da-main
EOF
write_pam

# ---------------------------------------------------------------- the live decision

case_start "a drop-in changes the decision at the next login"
dlogin m1 nsiso-da
expect_host m1 da-main "no nsiso.d (control)"
mkdir -m 0755 "$DROP"
dlogin m2 nsiso-da
expect_host m2 da-main "an empty nsiso.d"
put_dropin 50-da.conf 0644 <<EOF
# one file per group or user, as configuration management drops them
[user:nsiso-da]
hostname = da-drop
EOF
dlogin m3 nsiso-da
expect_host m3 da-drop "50-da.conf sets the host name"
put_dropin 40-da.conf 0644 <<EOF
[user:nsiso-da]
hostname = da-forty
EOF
dlogin m4 nsiso-da
expect_host m4 da-drop "40-da.conf comes before 50-da.conf: 50-da.conf has the last word"
printf '[user:nsiso-da]\nhostname = da-junk\n' >"$DROP/50-da.conf~"
printf '[user:nsiso-da]\nhostname = da-junk\n' >"$DROP/.50-da.conf.swp"
printf '[user:nsiso-da]\nhostname = da-junk\n' >"$DROP/50-da.conf.dpkg-old"
dlogin m5 nsiso-da
expect_host m5 da-drop "editor and dpkg leftovers are not read"
put_dropin 90-exempt.conf 0644 <<EOF
[global]
exempt_users = root, nsiso-da
EOF
dlogin m6 nsiso-da
expect_exempt m6 "90-exempt.conf lists nsiso-da in exempt_users"
like "$(grep ' action=' "$STATE/m6.log")" "action=exempt service=$SERVICE user=nsiso-da .*\(exempt_users\)" \
	"90-exempt.conf: the module's decision is exempt (exempt_users)"
rm -f "$DROP/90-exempt.conf"
dlogin m7 nsiso-da
expect_host m7 da-drop "90-exempt.conf removed: isolated again"
rm -f "$DROP/50-da.conf" "$DROP/40-da.conf"
dlogin m8 nsiso-da
expect_host m8 da-main "the drop-ins removed: the main file's value"

# ---------------------------------------------------------------- unusable drop-ins

# denied TAG DESC WHAT: nsiso-da is refused with one line "WHAT; action=deny ...", root gets in.
denied()
{
	dlogin "$1" nsiso-da
	expect_rc "$1" "$RC" 3 "$2: nsiso-da's open_session fails (exit 3)"
	no_cmd "$2: nsiso-da's command did not run" test -e "$OUT/nsiso-da/$1"
	is "$(grep -c . "$STATE/$1.log")" 1 "$2: one line of the module"
	is "$(sed 's/^LOG <[0-9]*>.*pam_nsiso([^)]*): //' "$STATE/$1.log")" \
		"$3; action=deny service=$SERVICE user=nsiso-da uid=$uid_da" "$2: the line names the drop-in"
	empty "$(pins_of "$uid_da")" "$2: no pin for nsiso-da"
	dlogin "$1-root" root
	expect_rc "$1-root" "$RC" 0 "$2: root still gets in"
	is "$(fact root "$1-root" ns)" "$SANDBOX_NS" "$2: root runs in the sandbox's own namespaces"
}

case_start "an unusable drop-in denies non-exempt logins, root gets in"
printf '[user:nsiso-da]\nhostname = da-bad\n' | put_dropin 50-da.conf 0664
denied u1 "group-writable drop-in" "$DROP/50-da.conf: the file is group or world writable (mode 0664)"
chmod 0644 "$DROP/50-da.conf"
chown nsiso-da "$DROP/50-da.conf"
denied u2 "drop-in owned by nsiso-da" "$DROP/50-da.conf: the file is owned by uid $uid_da, not root"
rm -f "$DROP/50-da.conf"
printf '[user:nsiso-da]\nhostname = da-link\n' >"$CONFDIR/elsewhere.conf"
chmod 0644 "$CONFDIR/elsewhere.conf"
ln -s "$CONFDIR/elsewhere.conf" "$DROP/50-da.conf"
denied u3 "a symlink to a good root-owned file" "$DROP/50-da.conf: is a symbolic link (refusing to follow it)"
rm -f "$DROP/50-da.conf"
printf '[user:nsiso-da]\nhostname = da-x\nbogus = 1\n' | put_dropin 50-da.conf 0644
denied u4 "a drop-in with an unknown key" "$DROP/50-da.conf:3: [user:nsiso-da] bogus: unknown key"
rm -f "$DROP/50-da.conf"
chmod 0775 "$DROP"
denied u5 "a group-writable nsiso.d" "$DROP: the directory is group or world writable (mode 0775)"
chmod 0755 "$DROP"

write_policy <<EOF
[global]
namespaces   = mnt, ipc, uts
lifetime     = session
exempt_users = root
on_error     = allow
EOF
printf '[user:nsiso-da]\nhostname = da-bad\n' | put_dropin 50-da.conf 0664
dlogin a1 nsiso-da
expect_rc a1 "$RC" 0 "on_error = allow in the main file, a group-writable drop-in: nsiso-da gets in"
is "$(fact nsiso-da a1 ns)" "$SANDBOX_NS" "on_error = allow: nsiso-da is not isolated (sandbox's namespaces)"
like "$(cat "$STATE/a1.log")" "$DROP/50-da.conf: the file is group or world writable \\(mode 0664\\)" \
	"on_error = allow: the log line names the drop-in"
empty "$(pins_of "$uid_da")" "on_error = allow: no pin for nsiso-da"
rm -f "$DROP/50-da.conf"

# ---------------------------------------------------------------- the policy cache

# cache_step TAG REGEX DESC
cache_step()
{
	like "$(policy_step "$1")" "$2" "$3: the module's step says: $2"
}

# keep_times CMD...: run CMD, then put the mtimes of nsiso.d and of every drop-in back.
keep_times()
{
	local f
	for f in "$DROP" "$DROP"/*.conf; do
		[ -e "$f" ] && touch -r "$f" "$STATE/$(basename "$f").time"
	done
	"$@"
	for f in "$DROP" "$DROP"/*.conf; do
		[ -e "$STATE/$(basename "$f").time" ] && touch -h -r "$STATE/$(basename "$f").time" "$f"
	done
	return 0
}

case_start "the policy cache follows the drop-ins, whatever their timestamps"
write_policy <<EOF
[global]
namespaces   = mnt, ipc, uts
lifetime     = session
exempt_users = root
EOF
printf '[user:nsiso-da]\nhostname = dc-one\n' | put_dropin 50-da.conf 0644
write_pam debug
rm -f /run/nsiso/policy.cache /run/nsiso/policy.*.cache
dlogin c1 nsiso-da
expect_host c1 dc-one "a drop-in"
cache_step c1 'loaded: parsed \(cache: no entry; stored\)$' "a drop-in"
dlogin c2 nsiso-da
expect_host c2 dc-one "again"
cache_step c2 'loaded: from cache$' "again"

before=$(stat -c '%s %i %Y' "$DROP/50-da.conf")
edit()
{
	printf '[user:nsiso-da]\nhostname = dc-two\n' >"$DROP/50-da.conf"
}
keep_times edit
is "$(stat -c '%s %i %Y' "$DROP/50-da.conf")" "$before" "the edit kept the drop-in's size, inode and mtime"
dlogin c3 nsiso-da
expect_host c3 dc-two "edited in place"
cache_step c3 'loaded: parsed \(cache: stale entry \(the file changed\); stored\)$' "edited in place"

dir_before=$(stat -c '%Y' "$DROP")
add()
{
	printf '[user:nsiso-da]\nhostname = dc-three\n' >"$DROP/60-da.conf"
	chmod 0644 "$DROP/60-da.conf"
	touch -r "$DROP/50-da.conf" "$DROP/60-da.conf"
}
keep_times add
is "$(stat -c '%Y' "$DROP")" "$dir_before" "a drop-in added, nsiso.d's mtime kept"
dlogin c4 nsiso-da
expect_host c4 dc-three "60-da.conf added"
cache_step c4 'loaded: parsed \(cache: entry for other policy files; stored\)$' "60-da.conf added"
dlogin c5 nsiso-da
cache_step c5 'loaded: from cache$' "60-da.conf added, again"

keep_times mv "$DROP/60-da.conf" "$DROP/10-da.conf"
dlogin c6 nsiso-da
expect_host c6 dc-two "60-da.conf renamed 10-da.conf (now before 50-da.conf)"
cache_step c6 'loaded: parsed \(cache: entry for other policy files; stored\)$' "renamed"

keep_times rm -f "$DROP/50-da.conf"
dlogin c7 nsiso-da
expect_host c7 dc-three "50-da.conf removed"
cache_step c7 'loaded: parsed \(cache: entry for other policy files; stored\)$' "removed"

chmod 0664 "$DROP/10-da.conf"
dlogin c8 nsiso-da
expect_rc c8 "$RC" 3 "a group-writable drop-in with a valid entry in place: denied"
cache_step c8 'is broken \(cache: a drop-in cannot be used\)$' "a group-writable drop-in"
chmod 0644 "$DROP/10-da.conf"
dlogin c9 nsiso-da
expect_host c9 dc-three "the drop-in's mode repaired"
cache_step c9 'loaded: from cache$' "the drop-in's mode repaired: the entry was left alone"
rm -rf "$DROP" "$CONFDIR/elsewhere.conf"

done_testing
