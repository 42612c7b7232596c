#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make ctl-test: run every tests/ctl/t_*.sh and print their lines and one
# summed line
#   ctl: N passed, N failed
# Files that need real sets (they source tests/integration/lib.sh) run in a
# throwaway sandbox of their own (tests/integration/sandbox.sh); the others
# (man pages, make install, the package) work in scratch directories that
# they remove. Exit status non-zero when anything failed.
set -u
cd "$(dirname "$0")/../.." || exit 2
dir=tests/ctl
FILE_TIMEOUT=${FILE_TIMEOUT:-900}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nsiso-ctl-test.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

passed=0
failed=0
skipped=0
for t in "$dir"/t_*.sh; do
	name=$(basename "$t" .sh)
	log=$tmp/$name.log
	echo "# $name"
	if grep -q '^\. .*/integration/lib\.sh"' "$t"; then
		set -- sh tests/integration/sandbox.sh "$t"
	else
		set -- sh "$t"
	fi
	{
		timeout -k 10 "$FILE_TIMEOUT" "$@" 2>&1 </dev/null
		echo "# $name: exit status $?"
	} | tee "$log" | sed -E "s/^(ctl|integration): /# $name: /"
	rc=$(sed -n "s/^# $name: exit status \([0-9]*\)\$/\1/p" "$log" | tail -n 1)
	summary=$(grep -E '^ctl: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
	if [ "$rc" = 77 ]; then
		# sandbox.sh: the sandbox cannot be made here (and $CI is unset)
		skipped=$((skipped + 1))
		continue
	fi
	if [ -z "$summary" ]; then
		echo "not ok - $name: ended without a summary (exit status $rc; timeout gives 124/137)"
		failed=$((failed + 1))
		continue
	fi
	p=$(echo "$summary" | sed -E 's/^ctl: ([0-9]+) passed, ([0-9]+) failed$/\1/')
	f=$(echo "$summary" | sed -E 's/^ctl: ([0-9]+) passed, ([0-9]+) failed$/\2/')
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "not ok - $name: exit status $rc with no failed test"
		failed=$((failed + 1))
	fi
done
[ "$skipped" = 0 ] || echo "# $skipped test file(s) skipped: see the SKIP lines above"
echo "ctl: $passed passed, $failed failed"
[ "$failed" = 0 ]
