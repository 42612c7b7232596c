#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 13, part 2: group names with blanks (and a comma), exactly as in
# /etc/group, in lists and in [group:NAME] sections (nsiso.conf(5), LIST
# SYNTAX). groupadd refuses such names: the lines are written into the
# sandbox's /etc/group directly (its overlay, never the machine's).
#
#   1  exempt_groups = sysadmin, HPC Admins, "Ops, Night": members of
#      "HPC Admins" and "Ops, Night" are exempt (the sandbox's namespaces),
#      a member of an unrelated group "Admins" is not (a set of its own)
#   2  [group:HPC Staff] is a valid section and applies to its members
#      (their host name); the policy is not degraded: others log in
#   3  a list without a comma keeps its old meaning (blanks separate), and
#      nsisoctl check says valid (exit 0) with a warning on its own line
#      that "HPC Admins" was read as two names; an item with blanks in a
#      list with a comma, whose words are groups, is warned about too
. "$(dirname "$0")/lib.sh"
setup
need_module

CTL=$TOP/build/nsisoctl
[ -x "$CTL" ] || bail "$CTL is missing: run make"

for u in h a n s p; do
	add_user "nsiso-$u"
done
# Members are listed in the group lines themselves (useradd -G cannot name them).
{
	echo "HPC Admins:x:5001:nsiso-h"
	echo "Admins:x:5002:nsiso-a"
	echo "HPC Staff:x:5003:nsiso-s"
	echo "Ops, Night:x:5004:nsiso-n"
	echo "alpha:x:5005:"
	echo "beta:x:5006:"
} >>/etc/group
is "$(getent group 'HPC Admins' | cut -d: -f3)" 5001 "NSS knows the group 'HPC Admins' (gid 5001)"
is "$(getent group 'Ops, Night' | cut -d: -f4)" nsiso-n "... and 'Ops, Night' with its member nsiso-n"

write_policy <<'EOF'
[global]
namespaces = mnt, ipc, uts
hostname = %u-global
exempt_groups = sysadmin, HPC Admins, "Ops, Night"

[group:HPC Staff]
hostname = staff-%u
EOF
write_pam

# ================================================================ 1, 2
for u in h a n s p; do
	report_login "g$u" "nsiso-$u"
	expect_rc "g$u" "$RC" 0 "nsiso-$u's session opens"
done
is "$(mnt_of nsiso-h gh)" "$(field 1 "$SANDBOX_NS")" "a member of 'HPC Admins' is exempt (the sandbox's mount namespace)"
is "$(mnt_of nsiso-n gn)" "$(field 1 "$SANDBOX_NS")" "a member of \"Ops, Night\" (quoted: it has a comma) is exempt"
ok_cmd "a member of the unrelated group 'Admins' is not exempt (a set of its own)" \
	sh -c '[ "$1" != MISSING ] && [ "$1" != "$2" ]' _ "$(mnt_of nsiso-a ga)" "$(field 1 "$SANDBOX_NS")"
is "$(fact nsiso-s gs hostname)" "staff-nsiso-s" "[group:HPC Staff] applies to its member: host name staff-nsiso-s"
is "$(fact nsiso-p gp hostname)" "nsiso-p-global" "... and the policy is not degraded: nsiso-p gets [global]'s"

rc=0
out=$("$CTL" check "$CONF" 2>"$STATE/check1.err") || rc=$?
is "$rc" 0 "nsisoctl check: the policy with blanks in group names is valid (exit 0)"
is "$(echo "$out" | tail -n 1)" "$CONF: valid" "nsisoctl check: ... and says so (its last line; the lines before name the files read)"
is "$(cat "$STATE/check1.err")" "" "nsisoctl check: ... with no warning"

# ================================================================ 3 old meaning, warnings
write_policy <<'EOF'
[global]
namespaces = mnt, ipc, uts
exempt_groups = HPC Admins
EOF
report_login g3a nsiso-a
expect_rc g3a "$RC" 0 "no comma: nsiso-a's session opens"
is "$(mnt_of nsiso-a g3a)" "$(field 1 "$SANDBOX_NS")" \
	"no comma: 'exempt_groups = HPC Admins' still means HPC and Admins: nsiso-a (in Admins) is exempt"
rc=0
out=$("$CTL" check "$CONF" 2>"$STATE/check2.err") || rc=$?
is "$rc" 0 "nsisoctl check: a list that looks split is still valid (exit 0)"
is "$(echo "$out" | tail -n 1)" "$CONF: valid" "nsisoctl check: ... and says so on standard output"
is "$(cat "$STATE/check2.err")" "nsisoctl: $CONF:3: [global] exempt_groups: warning: 'HPC Admins' is read as 2 names (without a comma, blanks separate them), but group 'HPC Admins' exists: write \"HPC Admins\" in quotes, or separate the names with commas" \
	"nsisoctl check: one warning line: 'HPC Admins' was read as two names"

write_policy <<'EOF'
[global]
namespaces = mnt, ipc, uts
exempt_groups = root, alpha beta
EOF
rc=0
"$CTL" check "$CONF" >/dev/null 2>"$STATE/check3.err" || rc=$?
is "$rc" 0 "nsisoctl check: an item with blanks in a list with a comma is valid"
is "$(cat "$STATE/check3.err")" "nsisoctl: $CONF:3: [global] exempt_groups: warning: 'alpha beta' is one name (with a comma in the list, only commas separate names) and no group of that name exists, but each of its words is one: separate them with commas if they are meant" \
	"nsisoctl check: ... with a warning that alpha and beta are groups"

done_testing
