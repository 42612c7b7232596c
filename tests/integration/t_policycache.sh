#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The policy cache (issue 11: a login does not re-parse an unchanged policy).
# The module keeps the validated policy in /run/nsiso (policy.cache for the
# default path, policy.<hash of the path>.cache for this suite's), keyed by
# the policy file's path and bytes. Checked here with the real libpam and
# kernel facts (the host name inside a new set, the session's /proc/self/ns
# against the sandbox's):
# - the entry is made only once the registry exists, and then used;
# - an edit of the same size, with the inode and the mtime kept (touch -d),
#   takes effect at the very next login (a host name, an exemption);
# - a forged entry that would give a wrong answer is used when it is a well
#   formed root-owned 0600 file (the control: root is trusted, as the module
#   itself is) and refused in every other shape: wrong owner or mode, a hard
#   link, a symlink, too large, garbage, damaged, truncated, for another
#   content or another path;
# - a broken policy gives the same single syslog line as before, at every
#   login, and leaves the entry alone;
# - inside a set (the read-only placeholder on /run/nsiso) the cache is not
#   used and the login is still right;
# - a failing write of the entry is silent (fault build) and leaves nothing.
# The module's debug step "policy ... loaded: from cache | parsed (cache: why)"
# says which path a login took; the answers are checked on the kernel's side.
SANDBOX_EXTRA_OVERLAYS=dev # the /dev/log the logsink listens on
. "$(dirname "$0")/lib.sh"
setup
need_module
command -v logger >/dev/null 2>&1 || bail "logger (bsdutils) is needed to sync with the log"
FAULT_MODULE=${NSISO_TEST_FAULT_MODULE:-$TOP/build/fault/pam_nsiso.so}
[ -f "$FAULT_MODULE" ] || bail "$FAULT_MODULE is missing: run make fault-build"
[ -f "$TOP/build/libnsiso.a" ] || bail "$TOP/build/libnsiso.a is missing: run make"
PCFORGE=$TOP/build/tests/helpers/pcforge # tests/harness/pcforge.c, built by make
[ -x "$PCFORGE" ] || bail "$PCFORGE is missing: run make helpers"

add_user nsiso-pc
add_user nsiso-px
add_user nsiso-pb
uid_pc=$(uid_of nsiso-pc)
start_logsink || bail "cannot start the /dev/log listener (build/tests/helpers/logsink)"
# The entry for $CONF (not the default path: policy.<hash>.cache).
ENTRY=/run/nsiso/$("$PCFORGE" --name "$CONF") || bail "pcforge --name failed"
case $ENTRY in /run/nsiso/policy.*.cache) ;; *) bail "unexpected entry name: $ENTRY" ;; esac

# policy HOST EXEMPT: every variant has the same size (HOST and EXEMPT keep their length).
policy()
{
	printf '[global]\nnamespaces = mnt, ipc, uts\nlifetime = session\nexempt_users = root, %s\n\n[user:nsiso-pc]\nhostname = %s\n\n[user:nsiso-pb]\nhostname = pb-one\n' \
		"$2" "$1"
}

# edit_in_place HOST EXEMPT: rewrite $CONF in place (same inode), then put its mtime back.
edit_in_place()
{
	local m
	m=$(stat -c %y "$CONF")
	policy "$1" "$2" >"$CONF"
	touch -d "$m" "$CONF"
}

# plogin TAG USER [pamh options]: report_login; the module's log lines in $STATE/TAG.log.
plogin()
{
	local n0
	sync_log
	n0=$(wc -l <"$SYSLOG")
	report_login "$@"
	sync_log
	tail -n +$((n0 + 1)) "$SYSLOG" | grep 'pam_nsiso(' >"$STATE/$1.log" || true
}

# policy_step TAG: the module's debug step about the policy.
policy_step()
{
	grep 'step: policy ' "$STATE/$1.log" | sed 's/.*step: //' | head -n 1
}

# expect_host TAG HOST DESC: nsiso-pc's session TAG opened, in a set of its own, named HOST.
expect_host()
{
	expect_rc "$1" "$RC" 0 "$3: nsiso-pc's session opens"
	isnt "$(field 1 "$(fact nsiso-pc "$1" ns)")" "$(field 1 "$SANDBOX_NS")" "$3: nsiso-pc is in a set"
	is "$(fact nsiso-pc "$1" hostname)" "$2" "$3: the host name inside the set is $2"
}

# expect_step TAG REGEX DESC
expect_step()
{
	like "$(policy_step "$1")" "$2" "$3: the module's step says: $2"
}

entry_facts()
{
	stat -c '%F %U %a %h' "$ENTRY" 2>&1
}

policy pc-one nsiso-px | write_policy
write_pam debug

# ---------------------------------------------------------------- first logins

case_start "the entry is made once the registry exists, then used"
no_cmd "no registry before the first login" test -e /run/nsiso
plogin c1 nsiso-pc
expect_host c1 pc-one "first login"
expect_step c1 'loaded: parsed \(cache: no registry directory\)$' "first login"
no_cmd "first login: no entry (the registry did not exist when the policy was loaded)" test -e "$ENTRY"
plogin c2 nsiso-pc
expect_host c2 pc-one "second login"
expect_step c2 'loaded: parsed \(cache: no entry; stored\)$' "second login"
is "$(entry_facts)" "regular file root 600 1" "second login: the entry is a root-owned 0600 file"
plogin c3 nsiso-pc
expect_host c3 pc-one "third login"
expect_step c3 'loaded: from cache$' "third login"

# ---------------------------------------------------------------- same-size edits

case_start "an edit of the same size, inode and mtime takes effect at the next login"
before=$(stat -c '%s %i %y' "$CONF")
sum_before=$(md5sum <"$CONF")
edit_in_place pc-two nsiso-px
is "$(stat -c '%s %i %y' "$CONF")" "$before" "the edit kept the size, the inode and the mtime (ns)"
isnt "$(md5sum <"$CONF")" "$sum_before" "... and changed the content"
plogin e1 nsiso-pc
expect_host e1 pc-two "after the edit"
expect_step e1 'loaded: parsed \(cache: stale entry \(the file changed\); stored\)$' "after the edit"
plogin e2 nsiso-pc
expect_host e2 pc-two "after the edit, again"
expect_step e2 'loaded: from cache$' "after the edit, again"

edit_in_place pc-two nsiso-pc
is "$(stat -c '%s %i %y' "$CONF")" "$before" "exempt_users edited, size, inode and mtime kept"
plogin e3 nsiso-pc
expect_rc e3 "$RC" 0 "nsiso-pc made exempt: the session opens"
is "$(fact nsiso-pc e3 ns)" "$SANDBOX_NS" "nsiso-pc made exempt: its session is in the sandbox's namespaces (no set)"
like "$(grep ' action=' "$STATE/e3.log")" "action=exempt service=$SERVICE user=nsiso-pc .*\(exempt_users\)" \
	"nsiso-pc made exempt: the decision is exempt (exempt_users)"
edit_in_place pc-two nsiso-px
plogin e4 nsiso-pc
expect_host e4 pc-two "exemption taken back"

# ---------------------------------------------------------------- hostile entries

case_start "a forged entry: used when well formed (control), refused in every other shape"
policy pc-lie nsiso-px >"$STATE/lie.conf"
"$PCFORGE" "$CONF" "$CONF" "$STATE/lie.conf" "$STATE/forged" || bail "pcforge failed"
# install_entry FILE: put FILE at the entry's name, root 0600.
install_entry()
{
	cp "$1" "$ENTRY.t" && chmod 0600 "$ENTRY.t" && mv -f "$ENTRY.t" "$ENTRY"
}
install_entry "$STATE/forged"
plogin f0 nsiso-pc
expect_host f0 pc-lie "control, a forged root-owned 0600 entry for this content"
expect_step f0 'loaded: from cache$' "control"

# refused TAG DESC WHY: the login after a hostile entry gets the file's answer, and repairs the entry.
refused()
{
	plogin "$1" nsiso-pc
	expect_host "$1" pc-two "$2"
	expect_step "$1" "loaded: parsed \\(cache: $3; stored\\)\$" "$2"
	is "$(entry_facts)" "regular file root 600 1" "$2: the entry is a root-owned 0600 file again"
}

install_entry "$STATE/forged"
chown 1:1 "$ENTRY"
refused f1 "forged entry owned by uid 1" "entry is not a root-owned 0600 file with one link"
install_entry "$STATE/forged"
chmod 0640 "$ENTRY"
refused f2 "forged entry with mode 0640" "entry is not a root-owned 0600 file with one link"
install_entry "$STATE/forged"
ln "$ENTRY" /run/nsiso/hardlink
refused f3 "forged entry with a second hard link" "entry is not a root-owned 0600 file with one link"
rm -f /run/nsiso/hardlink
cp "$STATE/forged" /run/nsiso/elsewhere
chmod 0600 /run/nsiso/elsewhere
rm -f "$ENTRY"
ln -s /run/nsiso/elsewhere "$ENTRY"
refused f4 "a symlink to a forged entry" "entry is a symlink"
ok_cmd "the symlink's target was neither followed for writing nor changed" cmp -s /run/nsiso/elsewhere "$STATE/forged"
rm -f /run/nsiso/elsewhere
install_entry "$STATE/forged"
truncate -s 5M "$ENTRY"
refused f5 "a forged entry grown to 5 MiB" "entry too large"
head -c 8192 /dev/urandom >"$STATE/garbage"
install_entry "$STATE/garbage"
refused f6 "8 KiB of random bytes" 'not an entry \(no magic\)'
head -c 100 "$STATE/forged" >"$STATE/short"
install_entry "$STATE/short"
refused f7 "a forged entry cut at 100 bytes" 'damaged entry \(check value\)'
sed 's/pc-lie/pc-liE/' "$STATE/forged" >"$STATE/damaged"
isnt "$(md5sum <"$STATE/damaged")" "$(md5sum <"$STATE/forged")" "(the damaged copy differs from the forged entry)"
install_entry "$STATE/damaged"
refused f8 "a forged entry with one byte changed" 'damaged entry \(check value\)'
"$PCFORGE" "$CONF" "$STATE/lie.conf" "$STATE/lie.conf" "$STATE/stale" || bail "pcforge failed"
install_entry "$STATE/stale"
refused f9 "an intact entry for another content of the file" 'stale entry \(the file changed\)'
"$PCFORGE" /etc/other.conf "$CONF" "$STATE/lie.conf" "$STATE/otherpath" || bail "pcforge failed"
install_entry "$STATE/otherpath"
refused f10 "an intact entry for another path" 'entry for other policy files'
empty "$(find /run/nsiso -maxdepth 1 -name '.policy.*.cache.*')" "no temporary entry file is left in /run/nsiso"

# ---------------------------------------------------------------- broken policy

case_start "a broken policy: the same one line at every login, the entry left alone"
plogin g0 nsiso-pc
expect_step g0 'loaded: from cache$' "(a valid entry for the good file is in place)"
cp "$ENTRY" "$STATE/entry.good"
cp "$CONF" "$STATE/good.conf"
{
	cat "$STATE/good.conf"
	echo "no_such_key = 1"
} | write_policy
write_pam
want="$CONF:11: [user:nsiso-pb] no_such_key: unknown key; action=deny service=$SERVICE user=nsiso-pc uid=$uid_pc"
for t in b1 b2; do
	plogin $t nsiso-pc
	expect_rc $t "$RC" 3 "broken policy ($t): nsiso-pc's open_session fails"
	is "$(grep -c . "$STATE/$t.log")" 1 "broken policy ($t): one line of the module"
	is "$(sed 's/^LOG <[0-9]*>.*pam_nsiso([^)]*): //' "$STATE/$t.log")" "$want" \
		"broken policy ($t): the line names file, line, section and key"
	like "$(head -n 1 "$STATE/$t.log")" '^LOG <83>' "broken policy ($t): at authpriv.err"
done
like "$("$TOP/build/nsisoctl" check "$CONF" 2>&1)" "$CONF:11: \\[user:nsiso-pb\\] no_such_key: unknown key" \
	"nsisoctl check (which never uses the cache) names the same problem"
ok_cmd "the broken policy did not touch the entry" cmp -s "$ENTRY" "$STATE/entry.good"
write_pam debug
write_policy <"$STATE/good.conf"
plogin g1 nsiso-pc
expect_host g1 pc-two "the good file back"
expect_step g1 'loaded: from cache$' "the good file back: the old entry serves it again"

# ---------------------------------------------------------------- inside a set

case_start "inside a set: the read-only placeholder, no cache, the right answer"
bg_session s1 nsiso-pc ""
wait_ready s1 nsiso-pc || {
	finish s1
	bail "nsiso-pc's background session did not come up" "$(cat "$STATE/s1.err")"
}
cat >"$STATE/pamh-in" <<EOF2
#!/bin/sh
exec nsenter --target $(session_pid nsiso-pc s1) --mount --ipc --uts -- $PAMH "\$@"
EOF2
chmod 0755 "$STATE/pamh-in"
saved_pamh=$PAMH
PAMH=$STATE/pamh-in
plogin i1 nsiso-pb
PAMH=$saved_pamh
expect_rc i1 "$RC" 0 "nsiso-pb from inside nsiso-pc's set: the session opens"
is "$(fact nsiso-pb i1 hostname)" pb-one "nsiso-pb from inside a set: its own set, named pb-one"
isnt "$(field 1 "$(fact nsiso-pb i1 ns)")" "$(field 1 "$(fact nsiso-pc s1 ns)")" \
	"nsiso-pb from inside a set: not in nsiso-pc's set"
expect_step i1 'loaded: parsed \(cache: registry directory read-only \(inside a set\)\)$' "inside a set"
finish s1

# ---------------------------------------------------------------- a failing store

case_start "a store that fails is silent and leaves nothing (fault build)"
rm -f "$ENTRY"
write_pam_module "$FAULT_MODULE"
(
	export NSISO_FAULT=pcache.store:error
	plogin w1 nsiso-pc
	echo "$RC" >"$STATE/w1.rc"
)
RC=$(cat "$STATE/w1.rc")
expect_host w1 pc-two "store fails"
empty "$(grep -v ' action=\(create\|teardown\) ' "$STATE/w1.log" || true)" \
	"store fails, no debug: the module logs its decisions only"
no_cmd "store fails: no entry" test -e "$ENTRY"
empty "$(find /run/nsiso -maxdepth 1 -name '.policy.*.cache.*')" "store fails: no temporary file left"
write_pam_module "$FAULT_MODULE" debug
(
	export NSISO_FAULT=pcache.store:error
	plogin w2 nsiso-pc
)
expect_step w2 'loaded: parsed \(cache: no entry; not stored: cannot write the entry: Input/output error\)$' \
	"store fails, debug"
write_pam

done_testing
