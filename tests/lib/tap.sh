# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh disable=SC3043
# (local: dash, bash and busybox sh have it)
#
# The assertion and reporting helpers of every suite (TAP-style lines), sourced
# by each suite's lib.sh and by tests/lib/sandbox.sh:
#
#   TAP_SUITE=integration   # the name on the summary line, "NAME: N passed, N failed"
#   . "$TOP/tests/lib/tap.sh"
#
# Sourcing it (again) starts the counts afresh: tests/ctl/lib.sh does so after
# tests/integration/lib.sh to report as ctl. Knobs, read when a helper runs:
#
#   TAP_EXCERPT=head|tail  which end of a long output or file the diagnostics
#                          show (40 lines; default head: a login's first error;
#                          e2e: tail, the end of sshd's log is what matters)
#   TAP_STRICT=1           e2e, whose facts read MISSING when they could not be
#                          had: a MISSING never matches in is (not even MISSING),
#                          and an empty or MISSING value never passes isnt
#   tap_on_bail()          a function bail calls before the summary (e2e: the
#                          end of sshd's log); redefine it after sourcing
#   $CI                    set: a test that cannot run is a failure, not a skip

TAP_SUITE=${TAP_SUITE:-tests}
TEST_NAME=$(basename "$0" .sh)
N_PASS=0
N_FAIL=0
N_SKIP=0
N_TEST=0

# ---------------------------------------------------------------- diagnostics

diag()
{
	printf '%s\n' "$@" | sed 's/^/#   /'
}

# _tap_excerpt < TEXT: at most 40 lines of it (see TAP_EXCERPT), as diagnostics.
_tap_excerpt()
{
	case ${TAP_EXCERPT:-head} in
	tail) tail -n 40 ;;
	*) head -n 40 ;;
	esac | sed 's/^/#   | /'
}

# diag_file FILE: its content as diagnostics (at most 40 lines).
diag_file()
{
	[ -s "$1" ] || return 0
	printf '#   --- %s\n' "$1"
	_tap_excerpt <"$1"
}

# case_start TEXT: a comment line that names the case that follows.
case_start()
{
	echo "# --- $*"
}

# ---------------------------------------------------------------- assertions

pass()
{
	N_TEST=$((N_TEST + 1))
	N_PASS=$((N_PASS + 1))
	echo "ok $N_TEST - $1"
}

# fail DESC [DIAG...]
fail()
{
	N_TEST=$((N_TEST + 1))
	N_FAIL=$((N_FAIL + 1))
	echo "not ok $N_TEST - $1"
	shift
	[ $# = 0 ] || diag "$@"
}

# is GOT WANT DESC
is()
{
	if [ -n "${TAP_STRICT:-}" ]; then
		case "$1 $2" in
		MISSING* | *" MISSING"*)
			fail "$3" "got:  '$1'" "want: '$2'" "(a fact is MISSING)"
			return
			;;
		esac
	fi
	if [ "$1" = "$2" ]; then
		pass "$3"
	else
		fail "$3" "got:  '$1'" "want: '$2'"
	fi
}

# isnt GOT UNWANTED DESC
isnt()
{
	if [ -n "${TAP_STRICT:-}" ] && { [ -z "$1" ] || [ "$1" = MISSING ]; }; then
		fail "$3" "got nothing ('$1')"
	elif [ "$1" != "$2" ]; then
		pass "$3"
	else
		fail "$3" "got:  '$1'" "want anything but that"
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

# empty GOT DESC: passes when GOT is empty; shows it otherwise.
empty()
{
	if [ -z "$1" ]; then
		pass "$2"
	else
		fail "$2" "unexpected:"
		printf '%s\n' "$1" | _tap_excerpt
	fi
}

# ok_cmd DESC CMD [ARGS...]: passes when CMD exits 0; shows its output otherwise.
ok_cmd()
{
	_tap_cmd ok "$@"
}

# no_cmd DESC CMD [ARGS...]: passes when CMD fails (exits non-zero); shows its output otherwise.
no_cmd()
{
	_tap_cmd no "$@"
}

# _tap_cmd ok|no DESC CMD [ARGS...]: ok_cmd and no_cmd.
_tap_cmd()
{
	local want desc out rc
	want=$1
	desc=$2
	shift 2
	rc=0
	out=$("$@" 2>&1) || rc=$?
	case $want:$rc in
	ok:0 | no:[1-9]*)
		pass "$desc"
		return
		;;
	ok:*) fail "$desc" "command: $*" "exit: $rc" ;;
	*) fail "$desc" "command unexpectedly succeeded: $*" ;;
	esac
	[ -z "$out" ] || printf '%s
' "$out" | _tap_excerpt
}

# skip DESC REASON: a test (or case) that cannot run here. A skip, or a
# failure with $CI set.
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

# cannot DESC REASON: the same (the adversarial suite's name for it).
cannot()
{
	skip "$@"
}

# ---------------------------------------------------------------- ending

# done_testing: the summary line; exit 0 only when nothing failed and
# something passed (or was skipped).
done_testing()
{
	echo "$TAP_SUITE: $N_PASS passed, $N_FAIL failed"
	[ "$N_SKIP" = 0 ] || echo "# $TEST_NAME: $N_SKIP skipped"
	[ "$N_FAIL" = 0 ] && [ $((N_PASS + N_SKIP)) -gt 0 ]
	exit $?
}

tap_on_bail()
{
	:
}

# bail REASON [DIAG...]: stop a test file early (a setup failure): one failure.
bail()
{
	local why
	why=$1
	shift
	fail "$TEST_NAME: cannot continue: $why" "$@"
	tap_on_bail
	done_testing
}

# cannot_run REASON: the whole file cannot run here (not root, no namespaces,
# a program missing, ...). A skip, exit 77 (its counts are not added up), or
# with $CI set a failure.
cannot_run()
{
	if [ -n "${CI:-}" ]; then
		fail "$TEST_NAME: cannot run: $1" "CI is set: a test that cannot run is a failure, not a skip"
		done_testing
	fi
	echo "# SKIP $TEST_NAME: cannot run: $1"
	echo "$TAP_SUITE: 0 passed, 0 failed"
	exit 77
}
