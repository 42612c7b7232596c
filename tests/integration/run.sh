#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make integration: run every tests/integration/t_*.sh in its own sandbox
# (sandbox.sh), print their lines and one summed line
#   integration: N passed, N failed
# A file's full output is also kept in tests/integration/<name>.log.
set -u
cd "$(dirname "$0")/../.." || exit 2
dir=tests/integration
FILE_TIMEOUT=${FILE_TIMEOUT:-900}

passed=0
failed=0
skipped=0
for t in "$dir"/t_*.sh; do
	name=$(basename "$t" .sh)
	log=$dir/$name.log
	tmplog=
	if ! (: >"$log") 2>/dev/null; then
		tmplog=$(mktemp) || exit 2
		log=$tmplog
	fi
	echo "# $name"
	{
		timeout -k 10 "$FILE_TIMEOUT" sh "$dir/sandbox.sh" "$t" 2>&1 </dev/null
		echo "# $name: exit status $?"
	} | tee "$log" | sed "s/^integration: /# $name: /"
	rc=$(sed -n "s/^# $name: exit status \([0-9]*\)\$/\1/p" "$log" | tail -n 1)
	summary=$(grep -E '^integration: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
	[ -z "$tmplog" ] || rm -f "$tmplog"
	if [ "$rc" = 77 ]; then
		skipped=$((skipped + 1))
		continue
	fi
	if [ -z "$summary" ]; then
		echo "not ok - $name: ended without a summary (exit status $rc; timeout gives 124/137)"
		failed=$((failed + 1))
		continue
	fi
	p=$(echo "$summary" | sed -E 's/^integration: ([0-9]+) passed, ([0-9]+) failed$/\1/')
	f=$(echo "$summary" | sed -E 's/^integration: ([0-9]+) passed, ([0-9]+) failed$/\2/')
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "not ok - $name: exit status $rc with no failed test"
		failed=$((failed + 1))
	fi
done
[ "$skipped" = 0 ] || echo "# $skipped test file(s) skipped: see the SKIP lines above"
echo "integration: $passed passed, $failed failed"
[ "$failed" = 0 ]
