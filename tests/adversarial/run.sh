#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make adversarial: run every tests/adversarial/t_*.sh in its own sandbox
# (tests/adversarial/sandbox.sh), print their lines and one summed line
#   adversarial: N passed, N failed
# Each file's full output is also kept in build/adversarial/<name>.log.
#
# Needs build/pam_nsiso.so, build/nsiso-pamh and (t_faults) build/fault/pam_nsiso.so:
#   make all build/nsiso-pamh fault-build
# Environment: NSISO_TEST_MODULE, NSISO_TEST_PAMH, NSISO_TEST_FAULT_MODULE pick
# other builds (e.g. build/asan/); ADV_TESTS="t_pins t_faults" runs only those
# files; FILE_TIMEOUT (s, default 900) bounds each file; CI set: a file that
# cannot run is a failure.
set -u
cd "$(dirname "$0")/../.." || exit 2
dir=tests/adversarial
logdir=build/adversarial
FILE_TIMEOUT=${FILE_TIMEOUT:-900}
mkdir -p "$logdir" 2>/dev/null || logdir=$(mktemp -d)

passed=0
failed=0
skipped=0
for t in "$dir"/t_*.sh; do
	name=$(basename "$t" .sh)
	if [ -n "${ADV_TESTS:-}" ]; then
		case " $ADV_TESTS " in *" $name "*) ;; *) continue ;; esac
	fi
	log=$logdir/$name.log
	echo "# $name"
	{
		timeout -k 10 "$FILE_TIMEOUT" sh "$dir/sandbox.sh" "$t" 2>&1 </dev/null
		echo "# $name: exit status $?"
	} | tee "$log" | sed "s/^adversarial: /# $name: /"
	rc=$(sed -n "s/^# $name: exit status \([0-9]*\)\$/\1/p" "$log" | tail -n 1)
	summary=$(grep -E '^adversarial: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
	if [ "$rc" = 77 ]; then
		skipped=$((skipped + 1))
		continue
	fi
	if [ -z "$summary" ]; then
		echo "not ok - $name: ended without a summary (exit status $rc; timeout gives 124/137)"
		failed=$((failed + 1))
		continue
	fi
	p=$(echo "$summary" | sed -E 's/^adversarial: ([0-9]+) passed, ([0-9]+) failed$/\1/')
	f=$(echo "$summary" | sed -E 's/^adversarial: ([0-9]+) passed, ([0-9]+) failed$/\2/')
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "not ok - $name: exit status $rc with no failed test"
		failed=$((failed + 1))
	fi
done
[ "$skipped" = 0 ] || echo "# $skipped test file(s) skipped: see the SKIP lines above"
echo "adversarial: $passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
