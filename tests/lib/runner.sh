# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh disable=SC3043
# (local: dash, bash and busybox sh have it)
#
# What every suite's run.sh does, sourced from the repository root:
#
#   cd "$(dirname "$0")/../.." || exit 2
#   RUN_SUITE=integration
#   . tests/lib/runner.sh
#   run_suite tests/integration/t_*.sh
#
# run_suite FILE...: run each file (sh FILE; the suite's lib.sh puts it in a
# sandbox of its own, tests/lib/sandbox.sh), at most $FILE_TIMEOUT s each
# (default 900), print its lines, with its own summary line turned into a
# comment "# NAME: N passed, N failed", and end with the summed line
#
#   SUITE: N passed, N failed
#
# that tests/check.sh and CI read (the last such line). Exit status non-zero
# when anything failed. A file counts as:
#   exit 77                    skipped: it said why in a "# SKIP" line (with
#                              $CI set it fails instead: see cannot_run)
#   "SUITE: N passed, N failed"  those counts, and one failure more when it
#                              exited non-zero without a failed test
#   no such line               one failure (a crash; a timeout gives 124/137)
#
# Settings, shell variables set before run_suite (RUN_ONLY and FILE_TIMEOUT
# are also the knobs a user sets in the environment, the same in every suite):
#   RUN_SUITE        the suite's name (set before sourcing)
#   RUN_LOGDIR       keep each file's full output as RUN_LOGDIR/NAME.log;
#                    build/tests/RUN_SUITE unless set (not writable: in a
#                    private directory, removed at exit)
#   RUN_ONLY         "t_a t_b": run only these files
#   RUN_RENUMBER=1   number the test lines through the whole suite
#   RUN_NEED_PASSES=1  the suite fails when nothing passed at all
#
# run_precheck: when no sandbox can be made here, say so once for the whole
# suite and exit: 0 after a SKIP line, or 1 with a "not ok" line with $CI set.
# run_summary PASSED FAILED: the summed line, and exit.

RUN_SUITE=${RUN_SUITE:-tests}
# Every suite's logs under build/, one directory each.
RUN_LOGDIR=${RUN_LOGDIR:-build/tests/$RUN_SUITE}
RUN_TMP=
RUN_PART=

run_summary()
{
	echo "$RUN_SUITE: $1 passed, $2 failed"
	[ "$2" = 0 ] || exit 1
	[ "${RUN_NEED_PASSES:-0}" != 1 ] || [ "$1" -gt 0 ] || exit 1
	exit 0
}

run_precheck()
{
	local why rc
	why=$(sh tests/lib/sandbox.sh --check) && return 0
	rc=0
	(
		TAP_SUITE=$RUN_SUITE
		# shellcheck source=tests/lib/tap.sh
		. tests/lib/tap.sh
		TEST_NAME="$RUN_SUITE tests"
		cannot_run "$why"
	) || rc=$?
	[ "$rc" != 77 ] || exit 0
	exit "$rc"
}

run_suite()
{
	local logdir t name log rc summary p f n num passed failed skipped notok
	trap 'rm -rf ${RUN_TMP:+"$RUN_TMP"} ${RUN_PART:+"$RUN_PART"}' EXIT
	trap 'exit 130' INT TERM
	logdir=${RUN_LOGDIR:-}
	if [ -z "$logdir" ] || ! mkdir -p "$logdir" 2>/dev/null || [ ! -w "$logdir" ]; then
		RUN_TMP=$(mktemp -d "${TMPDIR:-/tmp}/nsiso-$RUN_SUITE-test.XXXXXX") || exit 2
		logdir=$RUN_TMP
	fi
	passed=0
	failed=0
	skipped=0
	num=0
	for t in "$@"; do
		name=$(basename "$t" .sh)
		if [ -n "${RUN_ONLY:-}" ]; then
			case " $RUN_ONLY " in *" $name "*) ;; *) continue ;; esac
		fi
		# a private log while it runs (two runs at once must not share one), kept as NAME.log
		log=$(mktemp "$logdir/.$name.XXXXXX.log") || exit 2
		RUN_PART=$log
		echo "# $name"
		{
			timeout -k 10 "${FILE_TIMEOUT:-900}" sh "$t" 2>&1 </dev/null
			echo "# $name: exit status $?"
		} | tee "$log" | awk -v base="$num" -v name="$name" -v renumber="${RUN_RENUMBER:-0}" '
			renumber == 1 && /^ok [0-9]+ - / { n++; sub(/^ok [0-9]+/, "ok " (base + n)) }
			renumber == 1 && /^not ok [0-9]+ - / { n++; sub(/^not ok [0-9]+/, "not ok " (base + n)) }
			/^[a-z0-9_-]+: [0-9]+ passed, [0-9]+ failed$/ { sub(/^[a-z0-9_-]+:/, "# " name ":") }
			{ print; fflush() }'
		rc=$(sed -n "s/^# $name: exit status \([0-9]*\)\$/\1/p" "$log" | tail -n 1)
		n=$(grep -cE '^(not )?ok [0-9]+ - ' "$log")
		num=$((num + n))
		summary=$(grep -E "^$RUN_SUITE: [0-9]+ passed, [0-9]+ failed\$" "$log" | tail -n 1)
		mv -f "$log" "$logdir/$name.log"
		RUN_PART=
		if [ "$rc" = 77 ]; then
			skipped=$((skipped + 1))
			continue
		fi
		notok="not ok -"
		if [ "${RUN_RENUMBER:-0}" = 1 ]; then
			notok="not ok $((num + 1)) -"
		fi
		if [ -z "$summary" ]; then
			num=$((num + 1))
			echo "$notok $name: ended without a summary (exit status $rc; a timeout gives 124/137)"
			failed=$((failed + 1))
			continue
		fi
		p=$(echo "$summary" | sed -E 's/^[a-z0-9_-]+: ([0-9]+) passed, ([0-9]+) failed$/\1/')
		f=$(echo "$summary" | sed -E 's/^[a-z0-9_-]+: ([0-9]+) passed, ([0-9]+) failed$/\2/')
		passed=$((passed + p))
		failed=$((failed + f))
		if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
			num=$((num + 1))
			echo "$notok $name: exit status $rc with no failed test"
			failed=$((failed + 1))
		fi
	done
	[ "$skipped" = 0 ] || echo "# $skipped test file(s) skipped: see the SKIP lines above"
	run_summary "$passed" "$failed"
}
