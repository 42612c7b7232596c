#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 13: a uid recycled while the old account's set (or its persistent tmp
# directories) still exists is not handed to the new account. The set record
# names its owner: a new account with the uid gets a set of its own (the old
# account's processes keep theirs); persistent directories of another account
# are refused with one clear line until an administrator removes them.
SANDBOX_EXTRA_OVERLAYS=dev
. "$(dirname "$0")/lib.sh"
setup
need_module
start_logsink || bail "cannot start the log sink"

# drop_account NAME: the account goes (its processes, if any, stay).
drop_account()
{
	sed -i "/^$1:/d" /etc/passwd /etc/shadow /etc/group /etc/gshadow 2>/dev/null
}

add_user nsiso-old -u 4711
add_user nsiso-pold -u 4712
write_policy <<POLICY
[global]
namespaces = mnt, ipc, uts
lifetime   = boot

[user:nsiso-pold]
tmp = persistent

[user:nsiso-pnew]
tmp = persistent
POLICY
write_pam debug

# --- a set: the old account makes one and leaves a process in it
bg_session o1 nsiso-old "echo old-secret >/tmp/f"
wait_ready o1 nsiso-old || bail "nsiso-old's session did not start"
old_ns=$(fact nsiso-old o1 ns)
old_pid=$(session_pid nsiso-old o1)

# the account goes, another one gets its uid (the old session still runs)
drop_account nsiso-old
add_user nsiso-new -u 4711 -o
is "$(uid_of nsiso-new)" "4711" "nsiso-new has the old account's uid"

report_login n1 nsiso-new
expect_rc n1 "$RC" 0 "nsiso-new's session opens"
new_ns=$(fact nsiso-new n1 ns)
isnt "$(field 1 "$new_ns")" "$(field 1 "$old_ns")" "nsiso-new is not in the old account's mount namespace"
isnt "$(field 2 "$new_ns")" "$(field 2 "$old_ns")" "nor in its ipc namespace"
is "$(fact nsiso-new n1 tmp_f)" "ABSENT" "nsiso-new does not see the old account's /tmp/f"
is "$(ns_of "$old_pid")" "$old_ns" "the old account's process keeps its own set"
like "$(grep 'user=nsiso-new' "$SYSLOG" | grep 'action=create' | tail -n 1)" \
	"belonged to another account" "the log says the uid's set was another account's"
report_login n2 nsiso-new
is "$(fact nsiso-new n2 ns)" "$new_ns" "nsiso-new's next session joins nsiso-new's set"
finish o1

# --- persistent directories
RC=0
login p1 nsiso-pold -- sh -c 'echo pold-secret >/tmp/p' || RC=$?
expect_rc p1 "$RC" 0 "nsiso-pold's session opens"
is "$(cat /var/lib/nsiso/4712/.owner 2>&1)" "nsiso-pold" "the persistent directory records its owner"
is "$(grep -rl pold-secret /var/lib/nsiso/4712 2>/dev/null | wc -l)" "1" \
	"nsiso-pold's file is in its persistent directory"
# the set ends, the account goes, the uid is given to another account
"$TOP/build/nsisoctl" release --force nsiso-pold >/dev/null 2>&1
drop_account nsiso-pold
add_user nsiso-pnew -u 4712 -o
report_login p2 nsiso-pnew
isnt "$RC" "0" "nsiso-pnew is refused while the old account's persistent files exist"
like "$(grep 'user=nsiso-pnew' "$SYSLOG" | tail -n 1)" \
	"belong to account 'nsiso-pold', not 'nsiso-pnew'" "one clear line names both accounts"
is "$(fact nsiso-pnew p2 ns)" "MISSING" "no session ran"
is "$(cat /var/lib/nsiso/4712/.owner 2>&1)" "nsiso-pold" "the owner record is untouched"
is "$(grep -rl pold-secret /var/lib/nsiso/4712 2>/dev/null | wc -l)" "1" \
	"the old account's file is untouched"
rm -rf /var/lib/nsiso/4712
report_login p3 nsiso-pnew
expect_rc p3 "$RC" 0 "after the administrator removes them, nsiso-pnew's session opens"
is "$(cat /var/lib/nsiso/4712/.owner 2>&1)" "nsiso-pnew" "and the directory is nsiso-pnew's"

done_testing
