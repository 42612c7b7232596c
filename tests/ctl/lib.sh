# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh disable=SC3043
#
# Helpers for tests/ctl/t_*.sh (nsisoctl, the manual, install, the package).
#
# A test that needs real sets first sources tests/integration/lib.sh, which
# re-executes it inside a throwaway sandbox (tests/lib/sandbox.sh) and
# brings the login helpers (add_user, write_policy, login, bg_session, ...),
# then this file. A test that needs no sandbox (man pages, make install, the
# package) sources only this file and must clean up after itself.
#
# Every file ends with the line
#   ctl: N passed, N failed

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
CTL=$TOP/build/nsisoctl

# The reporting is tests/lib/tap.sh, sourced (again, after
# tests/integration/lib.sh) to count afresh and report as ctl.
TAP_SUITE=ctl
# shellcheck source=tests/lib/tap.sh
. "$TOP/tests/lib/tap.sh"
# What every suite shares (ns_of, ns_paths, field, ...): again after
# tests/integration/lib.sh, harmlessly (definitions only).
# shellcheck source=tests/lib/common.sh
. "$TOP/tests/lib/common.sh"

# ---------------------------------------------------------------- nsisoctl

# ctl ARGS...: run nsisoctl; sets RC, COUT (its stdout) and CERR (its stderr).
# $CTL_TMP must be a private directory of the test.
ctl()
{
	RC=0
	"$CTL" "$@" >"$CTL_TMP/out" 2>"$CTL_TMP/err" </dev/null || RC=$?
	COUT=$(cat "$CTL_TMP/out")
	CERR=$(cat "$CTL_TMP/err")
}

# ctl_in INPUT ARGS...: the same with INPUT on stdin.
ctl_in()
{
	local input
	input=$1
	shift
	RC=0
	printf '%s\n' "$input" | "$CTL" "$@" >"$CTL_TMP/out" 2>"$CTL_TMP/err" || RC=$?
	COUT=$(cat "$CTL_TMP/out")
	CERR=$(cat "$CTL_TMP/err")
}

# expect RC STDOUT STDERR DESC: exit status, stdout and stderr all exactly as given.
expect()
{
	if [ "$RC" = "$1" ] && [ "$COUT" = "$2" ] && [ "$CERR" = "$3" ]; then
		pass "$4"
	else
		fail "$4" "exit $RC, want $1" "stdout: '$COUT'" "want:   '$2'" "stderr: '$CERR'" \
			"want:   '$3'"
	fi
}

need_ctl()
{
	[ -x "$CTL" ] || bail "$CTL is missing: run make"
}

have()
{
	command -v "$1" >/dev/null 2>&1
}

# ---------------------------------------------------------------- the module

# What the module may export (pam_module/pam_nsiso.map): the PAM entry points
# it implements, nothing of the core library. "TYPE NAME" a line, sorted.
MODULE_EXPORTS="T pam_sm_close_session
T pam_sm_open_session"

# module_exports SO: every symbol SO defines in its dynamic symbol table (what
# dlopen/dlsym can reach), "TYPE NAME" a line, sorted; empty when nm fails.
module_exports()
{
	nm -D --defined-only "$1" 2>/dev/null | awk 'NF >= 2 { print $(NF - 1), $NF }' | sort
}

# json_field LINE FILTER: jq's raw output of FILTER on one JSON line ("" without jq).
json_field()
{
	printf '%s\n' "$1" | jq -r "$2" 2>/dev/null
}
