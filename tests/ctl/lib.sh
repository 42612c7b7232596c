# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh disable=SC3043
#
# Helpers for tests/ctl/t_*.sh (nsisoctl, the manual, install, the package).
#
# A test that needs real sets first sources tests/integration/lib.sh, which
# re-executes it inside a throwaway sandbox (tests/integration/sandbox.sh) and
# brings the login helpers (add_user, write_policy, login, bg_session, ...),
# then this file. A test that needs no sandbox (man pages, make install, the
# package) sources only this file and must clean up after itself.
#
# This file (re)defines the reporting, so every file ends with the line
#   ctl: N passed, N failed

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
CTL=$TOP/build/nsisoctl
TEST_NAME=$(basename "$0" .sh)

N_PASS=0
N_FAIL=0
N_SKIP=0
N_TEST=0

# ---------------------------------------------------------------- reporting

diag()
{
	printf '%s\n' "$@" | sed 's/^/#   /'
}

pass()
{
	N_TEST=$((N_TEST + 1))
	N_PASS=$((N_PASS + 1))
	echo "ok $N_TEST - $1"
}

fail()
{
	N_TEST=$((N_TEST + 1))
	N_FAIL=$((N_FAIL + 1))
	echo "not ok $N_TEST - $1"
	shift
	[ $# = 0 ] || diag "$@"
}

# skip DESC REASON: not run here. With $CI set, a test that cannot run fails.
skip()
{
	if [ -n "${CI:-}" ]; then
		fail "$1" "cannot run: $2" "CI is set: a test that cannot run is a failure"
		return
	fi
	N_TEST=$((N_TEST + 1))
	N_SKIP=$((N_SKIP + 1))
	echo "ok $N_TEST - $1 # SKIP $2"
}

# is GOT WANT DESC
is()
{
	if [ "$1" = "$2" ]; then
		pass "$3"
	else
		fail "$3" "got:  '$1'" "want: '$2'"
	fi
}

# like GOT ERE DESC: GOT (as one string) matches the extended regular expression.
like()
{
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		pass "$3"
	else
		fail "$3" "got:  '$1'" "want: /$2/"
	fi
}

# ok_cmd DESC CMD [ARGS...]: passes when CMD exits 0.
ok_cmd()
{
	local desc out rc
	desc=$1
	shift
	rc=0
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" = 0 ]; then
		pass "$desc"
	else
		fail "$desc" "command: $*" "exit: $rc"
		[ -z "$out" ] || printf '%s\n' "$out" | head -n 40 | sed 's/^/#   | /'
	fi
}

# Print the summary line; exit 0 only when nothing failed and something ran or was skipped.
done_testing()
{
	echo "ctl: $N_PASS passed, $N_FAIL failed"
	[ "$N_SKIP" = 0 ] || echo "# $TEST_NAME: $N_SKIP skipped"
	[ "$N_FAIL" = 0 ] && [ $((N_PASS + N_SKIP)) -gt 0 ]
	exit $?
}

bail()
{
	fail "$TEST_NAME: cannot continue: $1"
	shift
	[ $# = 0 ] || diag "$@"
	done_testing
}

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

# json_field LINE FILTER: jq's raw output of FILTER on one JSON line ("" without jq).
json_field()
{
	printf '%s\n' "$1" | jq -r "$2" 2>/dev/null
}
