#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make systemd-test (from the repository root, after make): run every
# tests/systemd/t_*.sh, each in a systemd booted for it (tests/systemd/sandbox.sh,
# see lib.sh and README.md), print their test lines numbered through and one
# summed line, "systemd: N passed, N failed" (tests/lib/runner.sh). Each
# file's full output is kept in build/tests/systemd/<name>.log.
set -u
cd "$(dirname "$0")/../.." || exit 2
RUN_SUITE=systemd
. tests/lib/runner.sh
RUN_RENUMBER=1
RUN_NEED_PASSES=1
FILE_TIMEOUT=${FILE_TIMEOUT:-200}

why=$(sh tests/systemd/sandbox.sh --check) || {
	(
		TAP_SUITE=$RUN_SUITE
		. tests/lib/tap.sh
		TEST_NAME="$RUN_SUITE tests"
		cannot_run "$why"
	)
	rc=$?
	[ "$rc" != 77 ] || exit 0
	exit "$rc"
}
for f in build/pam_nsiso.so build/nsisoctl; do
	if [ ! -f "$f" ]; then
		echo "not ok 1 - $f is missing: run make first"
		run_summary 0 1
	fi
done
files=$(ls tests/systemd/t_*.sh)
# shellcheck disable=SC2086
run_suite $files
