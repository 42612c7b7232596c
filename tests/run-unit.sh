#!/bin/sh
# Run cmocka unit test binaries and sum their results.
#
#   sh tests/run-unit.sh build/tests/test_*
#
# Prints each binary's output, then one line "unit: N passed, N failed", and
# exits non-zero when anything failed. A binary that crashes, fails its group
# setup or exits non-zero without a cmocka summary counts its unfinished tests
# (at least one) as failed, so a broken binary can never look like a pass.

passed=0
failed=0
nbins=$#

# "total passed failed skipped" from cmocka's standard output format. Passed
# tests are counted one by one so that those before a crash still count.
summarise() {
	awk '
	/^\[==========\] Running [0-9]+ test\(s\)\.$/            { t += $3 }
	/^\[       OK \] /                                       { p += 1 }
	/^\[  FAILED  \] [0-9]+ test\(s\), listed below:$/       { f += $4 }
	/^\[  SKIPPED \] [0-9]+ test\(s\), listed below:$/       { s += $4 }
	END { print t + 0, p + 0, f + 0, s + 0 }'
}

for bin in "$@"; do
	echo "== $bin"
	if [ ! -x "$bin" ] || [ -d "$bin" ]; then
		echo "run-unit: $bin: not an executable test binary" >&2
		failed=$((failed + 1))
		continue
	fi
	# cmocka prints failure details on stderr: keep them with the rest.
	out=$("$bin" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	read -r t p f s <<-SUMMARY
	$(printf '%s\n' "$out" | summarise)
	SUMMARY
	if [ "$rc" -ne 0 ]; then
		unfinished=$((t - p - s))
		[ "$unfinished" -gt "$f" ] && f=$unfinished
		[ "$f" -lt 1 ] && f=1
		echo "run-unit: $bin exited with status $rc" >&2
	fi
	passed=$((passed + p))
	failed=$((failed + f))
done

echo "unit: $passed passed, $failed failed"
if [ "$nbins" -eq 0 ]; then
	echo "run-unit: no test binaries given" >&2
	exit 2
fi
[ "$failed" -eq 0 ]
