#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Hostile PAM_USER values. nsiso-pamh --any-user hands the name to
# pam_start_confdir as it is, so the module's own checks and its NSS lookup
# are what stand between the name and the file system. For each: a refusal
# (open_session fails: exit 3), no crash (not 128+signal), nothing created,
# changed or chowned anywhere the sandbox can write (so no path was built
# from the name), and every syslog line of the module is escaped (no raw
# control or non-ASCII byte reaches the log).
. "$(dirname "$0")/lib.sh"
setup
need_module

add_user nsiso-u
start_logsink || bail "cannot start the /dev/log listener (build/tests/helpers/logsink)"
write_policy <<EOF2
[global]
namespaces = mnt, ipc, uts
EOF2
write_pam debug

# Control: the stack is live and isolates a real user (so a refusal below is the module's doing).
report_login ctl nsiso-u
expect_rc ctl "$RC" 0 "control: nsiso-u (a real user) gets a session"
isnt "$(field 1 "$(fact nsiso-u ctl ns)")" "$(field 1 "$SANDBOX_NS")" "control: nsiso-u is in a set of its own"
# The registry now exists; everything after this must leave it as it is.
fs_snapshot "$STATE/snap.before"
host_mark

# hostile NAME LABEL: one login attempt, every check.
hostile()
{
	local name label rc changes
	name=$1
	label=$2
	case_start "PAM_USER $label (hex: $(printf '%s' "$name" | od -v -An -tx1 | tr -d ' \n' | cut -c1-48))"
	rc=0
	login "u-$label" "$name" --any-user --ns-report "$STATE/u-$label.ns" -- /bin/true || rc=$?
	expect_rc "u-$label" "$rc" 3 "PAM_USER $label: open_session refused (exit 3, no crash)"
	is "$(sed -n 's/^open [0-9]* //p' "$STATE/u-$label.ns")" "$SANDBOX_NS" \
		"PAM_USER $label: the refused caller is still in the sandbox's own namespaces"
	changes=$(fs_changes "$STATE/snap.before")
	empty "$changes" "PAM_USER $label: nothing created, changed or chowned in any writable tree"
	empty "$(all_pins | grep -v "^/$(uid_of nsiso-u)/" || true)" \
		"PAM_USER $label: no pin other than the control user's exists"
}

hostile "../x" "dotdot-slash-x"
hostile "a/b" "a-slash-b"
hostile "" "empty"
hostile "$(head -c 300 /dev/zero | tr '\0' a)" "300-bytes"
hostile "$(printf 'nsiso-u\nroot')" "embedded-newline"
name=$(printf 'root\nX')
hostile "${name%X}" "root-with-trailing-newline"
hostile ".." "dot-dot"
hostile "$(printf 'nsiso-\303\251\377\033[2J')" "non-ascii-and-escape"
hostile "nsiso-nobody" "unknown-user"
hostile "$(head -c 256 /dev/zero | tr '\0' b)" "unknown-256-bytes"
hostile "$(uid_of nsiso-u)" "uid-as-name"

case_start "the module's log lines"
n=$(grep -c 'pam_nsiso' "$SYSLOG" 2>/dev/null || true)
if [ "${n:-0}" -ge 11 ]; then
	pass "the module logged ($n lines through the sandbox's /dev/log)"
else
	fail "the module logged at least one line per refused name (got ${n:-0})"
	diag_file "$SYSLOG"
fi
empty "$(grep '^RAW .*pam_nsiso' "$SYSLOG" || true)" \
	"no log line of the module carries a raw control or non-ASCII byte"
grep -q 'nsiso-u\\x0aroot' "$SYSLOG" && pass "the embedded newline is logged escaped (\\x0a)" ||
	{ fail "the embedded newline is logged escaped (\\x0a)"; diag_file "$SYSLOG"; }
empty "$(grep 'pam_nsiso' "$SYSLOG" | awk 'length($0) > 2048' || true)" \
	"no log line of the module is longer than 2048 bytes (the 300-byte name is cut)"

case_start "after all hostile names"
empty "$(pamh_procs)" "no nsiso-pamh process (harness or child) is left"
empty "$(foreign_procs)" "no process outside the sandbox's namespaces is left"
report_login ctl2 nsiso-u
expect_rc ctl2 "$RC" 0 "nsiso-u still logs in afterwards"
empty "$(host_changes)" "nothing changed on the machine's own root file system"

done_testing
