#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 13, part 3: a directory outage is not "no such user/group". The
# directory is tests/lib/nss_nsisotest.c (libnss_nsisotest.so.2), installed
# in this sandbox only (its /etc overlay: ld.so.conf.d, ld.so.cache,
# nsswitch.conf "files nsisotest"); /run/nsisotest/down switches the outage
# on: every lookup then fails as nss-pam-ldapd's do with nslcd down
# (UNAVAIL, errno ENOENT).
#
#   1  a directory user logs in while it is up; an unknown name is logged as
#      "unknown user"; during the outage the directory user is refused with
#      "cannot look up user", never "unknown user"
#   2  during the outage (lifetime = boot, [group:ldapg] sets the host
#      name, exempt_groups = ldapadm): nsiso-l (in ldapg), nsiso-m (in no
#      directory group) and nsiso-e (in ldapadm) get sets with [global]'s
#      settings, marked provisional (the record names the groups), and the
#      log says "cannot look up group"
#   3  back up: nsiso-e is exempt; nsiso-m's set is confirmed (the same
#      set, no longer provisional); nsiso-l's set, wrong for him, is kept
#      while his first session is in it, then rebuilt with [group:ldapg]'s
#      host name once nothing is in it
SANDBOX_EXTRA_OVERLAYS=dev # the /dev/log the logsink listens on
. "$(dirname "$0")/lib.sh"
setup
need_module
command -v logger >/dev/null 2>&1 || bail "logger (bsdutils) is needed to sync with the log"
command -v ldconfig >/dev/null 2>&1 || bail "ldconfig is needed to install the test NSS module"
NSSLIB=$TOP/build/libnss_nsisotest.so.2
[ -f "$NSSLIB" ] || bail "$NSSLIB is missing: run make build/libnss_nsisotest.so.2"

# ---------------------------------------------------------------- the directory
ND=/run/nsisotest
mkdir -p "$ND/lib"
chmod 0755 "$ND" "$ND/lib"
install -m 0644 "$NSSLIB" "$ND/lib/libnss_nsisotest.so.2"
echo "$ND/lib" >/etc/ld.so.conf.d/nsisotest.conf
ldconfig || bail "ldconfig failed"
sed -i -E 's/^(passwd|group):.*/\1: files nsisotest/' /etc/nsswitch.conf

add_user nsiso-l
add_user nsiso-m
add_user nsiso-e
echo "ldapu:x:7001:7001:directory user:/:/bin/sh" >"$ND/passwd"
{
	echo "ldapu:x:7001:"
	echo "ldapg:x:7100:nsiso-l"
	echo "ldapadm:x:7101:nsiso-e"
} >"$ND/group"
chmod 0644 "$ND/passwd" "$ND/group"
mkdir -m 0700 "$OUT/ldapu"
chown 7001:7001 "$OUT/ldapu"
outage()
{
	: >"$ND/down"
}
back()
{
	rm -f "$ND/down"
}
is "$(getent passwd ldapu | cut -d: -f3)" 7001 "the test directory answers: ldapu is uid 7001"
is "$(id -Gn nsiso-l | tr ' ' '\n' | grep -c '^ldapg$')" 1 "... and nsiso-l is in its group ldapg"
outage
rc=0
getent passwd ldapu >/dev/null || rc=$?
is "$rc" 2 "during the outage getent cannot find ldapu either"
back

start_logsink || bail "cannot start the /dev/log listener (cc tests/lib/logsink.c)"
# logged TAG CMD...: run CMD (sets RC), the module's log lines into $STATE/TAG.log.
logged()
{
	local tag n0
	tag=$1
	shift
	sync_log
	n0=$(wc -l <"$SYSLOG")
	RC=0
	"$@" || RC=$?
	sync_log
	tail -n +$((n0 + 1)) "$SYSLOG" | grep 'pam_nsiso(' >"$STATE/$tag.log" || true
}
logline()
{
	cat "$STATE/$1.log" 2>/dev/null
}
set_record()
{
	cat "/run/nsiso/users/$(uid_of "$1")/set" 2>/dev/null
}

write_policy <<'EOF'
[global]
namespaces = mnt, ipc, uts
hostname = %u-global
lifetime = boot
exempt_groups = ldapadm

[group:ldapg]
hostname = %u-ldap
EOF
write_pam

# ================================================================ 1 users
logged u1 report_login u1 ldapu
expect_rc u1 "$RC" 0 "directory up: ldapu logs in"
is "$(fact ldapu u1 hostname)" "ldapu-global" "directory up: ldapu's set has [global]'s host name"
logged u2 login u2 nosuchuser --any-user -- true
expect_rc u2 "$RC" 3 "an unknown name is refused"
like "$(logline u2)" "unknown user 'nosuchuser'; action=deny" "... and logged as an unknown user"
outage
logged u3 login u3 ldapu --any-user -- true
expect_rc u3 "$RC" 3 "directory down: ldapu is refused"
like "$(logline u3)" "cannot look up user 'ldapu': No such file or directory; action=deny" \
	"directory down: logged as 'cannot look up user', with the error"
no_cmd "directory down: never as 'unknown user'" grep -q "unknown user" "$STATE/u3.log"

# ================================================================ 2 provisional sets
bg_session l1 nsiso-l ":"
wait_ready l1 nsiso-l || bail "nsiso-l's first session did not come up" "$(cat "$STATE/l1.err")"
hold_ns l1 "$(session_pid nsiso-l l1)"
logged m1 report_login m1 nsiso-m
expect_rc m1 "$RC" 0 "directory down: nsiso-m logs in"
logged e1 report_login e1 nsiso-e
expect_rc e1 "$RC" 0 "directory down: nsiso-e logs in"
like "$("$TOP/build/nsisoctl" show nsiso-m 2>&1)" "provisional: made while group 'ldapg' could not be looked up" \
	"directory down: nsisoctl show says nsiso-m's set is provisional, and why"
explain=$("$TOP/build/nsisoctl" explain nsiso-l --config "$CONF" 2>&1)
like "$explain" "# cannot look up group 'ldapg': No such file or directory: taken as not applying" \
	"directory down: nsisoctl explain says which group it could not look up"
back
is "$(fact nsiso-l l1 hostname)" "nsiso-l-global" "directory down: nsiso-l's set has [global]'s host name ([group:ldapg] could not be matched)"
like "$(set_record nsiso-l | paste -sd ' ' -)" "unresolved=ldapadm unresolved=ldapg" \
	"directory down: nsiso-l's set is provisional: its record names ldapadm and ldapg"
like "$(logline m1)" "cannot look up group 'ldapadm', 'ldapg': No such file or directory; action=create .*provisional set" \
	"directory down: the log says which groups could not be looked up, and that the set is provisional"
ok_cmd "directory down: nsiso-e (in exempt group ldapadm) is isolated: the safe direction" \
	sh -c '[ "$1" != MISSING ] && [ "$1" != "$2" ]' _ "$(mnt_of nsiso-e e1)" "$(field 1 "$SANDBOX_NS")"

# ================================================================ 3 back up
logged e2 report_login e2 nsiso-e
expect_rc e2 "$RC" 0 "directory up: nsiso-e logs in"
is "$(mnt_of nsiso-e e2)" "$(field 1 "$SANDBOX_NS")" "directory up: nsiso-e is exempt again (the sandbox's mount namespace)"

logged m2 report_login m2 nsiso-m
expect_rc m2 "$RC" 0 "directory up: nsiso-m logs in"
is "$(mnt_of nsiso-m m2)" "$(mnt_of nsiso-m m1)" "directory up: nsiso-m joins the same set"
like "$(logline m2)" "action=join .*provisional set confirmed" "directory up: ... logged as confirmed"
no_cmd "directory up: nsiso-m's record is not provisional any more" \
	sh -c "grep -q '^unresolved' /run/nsiso/users/$(uid_of nsiso-m)/set"

logged l2 report_login l2 nsiso-l
expect_rc l2 "$RC" 0 "directory up: nsiso-l logs in while his first session runs"
is "$(mnt_of nsiso-l l2)" "$(mnt_of nsiso-l l1)" "directory up: ... and joins the set his first session is in"
is "$(fact nsiso-l l2 hostname)" "nsiso-l-global" "directory up: ... which keeps its host name"
like "$(logline l2)" "action=join .*provisional set kept: .* sessions or processes are still in it" \
	"directory up: ... logged as kept, because something is in it"

finish l1
expect_rc l1 "$RC" 0 "nsiso-l's first session ends"
logged l3 report_login l3 nsiso-l
expect_rc l3 "$RC" 0 "directory up, nothing in nsiso-l's set: he logs in"
isnt "$(mnt_of nsiso-l l3)" "$(mnt_of nsiso-l l1)" "directory up: ... in a new set"
is "$(fact nsiso-l l3 hostname)" "nsiso-l-ldap" "directory up: ... with [group:ldapg]'s host name"
like "$(logline l3)" "action=create .*provisional set rebuilt" "directory up: ... logged as rebuilt"
no_cmd "directory up: nsiso-l's new record is not provisional" \
	sh -c "grep -q '^unresolved' /run/nsiso/users/$(uid_of nsiso-l)/set"
unhold_ns l1

done_testing
