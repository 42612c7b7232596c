#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make e2e (from the repository root, after make): run every tests/e2e/t_*.sh
# in its own throwaway sandbox (tests/e2e/sandbox.sh), print their test lines
# numbered through ("ok N - ..." / "not ok N - ..."), and one summed line
#   e2e: N passed, N failed
# Exit status non-zero when anything failed. A file that cannot run here (not
# root, no unshare/overlayfs, no sshd, ...) says why and is skipped, unless
# $CI is set: then it is a failure. Each file's full output is kept in
# build/e2e/<name>.log.
#
# Needs build/pam_nsiso.so (make); builds build/nsiso-pamh (make
# build/nsiso-pamh) when it is missing, for t_systemd_user.
set -u
cd "$(dirname "$0")/../.." || exit 2
dir=tests/e2e
logdir=build/e2e
FILE_TIMEOUT=${FILE_TIMEOUT:-300}

summary()
{
	echo "e2e: $1 passed, $2 failed"
	[ "$2" = 0 ]
	exit $?
}

# Prerequisites of every file, said once.
why=""
if [ "$(id -u)" != 0 ]; then
	why="needs root (uid 0) to unshare namespaces, mount, add users and run sshd"
elif ! command -v unshare >/dev/null 2>&1; then
	why="unshare(1) from util-linux is not installed"
fi
if [ -n "$why" ]; then
	if [ -n "${CI:-}" ]; then
		echo "not ok 1 - e2e tests cannot run: $why"
		echo "# CI is set: a test that cannot run is a failure, not a skip"
		summary 0 1
	fi
	echo "# SKIP e2e tests: cannot run: $why"
	summary 0 0
fi
if [ ! -f build/pam_nsiso.so ]; then
	echo "not ok 1 - build/pam_nsiso.so is missing: run make first"
	summary 0 1
fi
mkdir -p "$logdir"
if [ ! -x build/nsiso-pamh ]; then
	echo "# building build/nsiso-pamh (make build/nsiso-pamh)"
	make --no-print-directory build/nsiso-pamh >"$logdir/nsiso-pamh.build.log" 2>&1 ||
		echo "# make build/nsiso-pamh failed, see $logdir/nsiso-pamh.build.log"
fi

passed=0
failed=0
skipped=0
num=0
for t in "$dir"/t_*.sh; do
	name=$(basename "$t" .sh)
	# a private log while it runs (two runs at once must not share one), kept as $name.log
	log=$(mktemp "$logdir/.$name.XXXXXX") || exit 2
	echo "# $name"
	{
		timeout -k 10 "$FILE_TIMEOUT" sh "$dir/sandbox.sh" "$t" 2>&1 </dev/null
		echo "# $name: exit status $?"
	} | tee "$log" | awk -v base="$num" -v name="$name" '
		/^ok [0-9]+ - / { n++; sub(/^ok [0-9]+/, "ok " (base + n)) }
		/^not ok [0-9]+ - / { n++; sub(/^not ok [0-9]+/, "not ok " (base + n)) }
		/^e2e: [0-9]+ passed, [0-9]+ failed$/ { sub(/^e2e:/, "# " name ":") }
		{ print; fflush() }'
	rc=$(sed -n "s/^# $name: exit status \([0-9]*\)\$/\1/p" "$log" | tail -n 1)
	n=$(grep -cE '^(not )?ok [0-9]+ - ' "$log")
	num=$((num + n))
	summary=$(grep -E '^e2e: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
	mv -f "$log" "$logdir/$name.log"
	if [ "$rc" = 77 ]; then
		skipped=$((skipped + 1))
		continue
	fi
	if [ -z "$summary" ]; then
		num=$((num + 1))
		echo "not ok $num - $name: ended without a summary (exit status $rc; a timeout gives 124/137)"
		failed=$((failed + 1))
		continue
	fi
	p=$(echo "$summary" | sed -E 's/^e2e: ([0-9]+) passed, ([0-9]+) failed$/\1/')
	f=$(echo "$summary" | sed -E 's/^e2e: ([0-9]+) passed, ([0-9]+) failed$/\2/')
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		num=$((num + 1))
		echo "not ok $num - $name: exit status $rc with no failed test"
		failed=$((failed + 1))
	fi
done
[ "$skipped" = 0 ] || echo "# $skipped test file(s) skipped: see the SKIP lines above"
summary "$passed" "$failed"
