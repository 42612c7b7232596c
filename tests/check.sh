#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make check: run every suite, keep each one's output, close with the totals.
# A suite that fails without a count line still counts as one failure.
set -u
cd "$(dirname "$0")/.." || exit 2
mkdir -p build/check
passed=0 failed=0 bad=""
for suite in "$@"; do
	log=build/check/$suite.log
	{
		make --no-print-directory "$suite" 2>&1
		echo $? >"build/check/$suite.rc"
	} | tee "$log"
	rc=$(cat "build/check/$suite.rc")
	counts=$(grep -E '^[a-z0-9_-]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	p=$(echo "$counts" | sed -n 's/.*: \([0-9]*\) passed.*/\1/p')
	f=$(echo "$counts" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
	[ -n "$p" ] || p=0
	[ -n "$f" ] || f=0
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		f=1
	fi
	[ "$f" = 0 ] || bad="$bad $suite"
	passed=$((passed + p))
	failed=$((failed + f))
done
[ -z "$bad" ] || echo "failing suites:$bad (logs in build/check/)"
echo "check: $passed passed, $failed failed"
[ "$failed" = 0 ]
