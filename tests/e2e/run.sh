#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make e2e (from the repository root, after make): run every tests/e2e/t_*.sh
# in its own throwaway sandbox (tests/lib/sandbox.sh, see lib.sh), print their
# test lines numbered through ("ok N - ..." / "not ok N - ..."), and one summed
# line (tests/lib/runner.sh)
#   e2e: N passed, N failed
# Exit status non-zero when anything failed. A file that cannot run here (not
# root, no unshare/overlayfs, no sshd, ...) says why and is skipped, unless
# $CI is set: then it is a failure. Each file's full output is kept in
# build/tests/e2e/<name>.log.
#
# Needs build/pam_nsiso.so (make); builds build/nsiso-pamh (make
# build/nsiso-pamh) when it is missing, for t_systemd_user.
set -u
cd "$(dirname "$0")/../.." || exit 2
RUN_SUITE=e2e
# shellcheck source=tests/lib/runner.sh
. tests/lib/runner.sh
RUN_RENUMBER=1
FILE_TIMEOUT=${FILE_TIMEOUT:-300}

# Prerequisites of every file (root, namespaces, overlayfs), said once.
run_precheck
if [ ! -f build/pam_nsiso.so ]; then
	echo "not ok 1 - build/pam_nsiso.so is missing: run make first"
	run_summary 0 1
fi
mkdir -p "$RUN_LOGDIR"
if [ ! -x build/nsiso-pamh ]; then
	echo "# building build/nsiso-pamh (make build/nsiso-pamh)"
	make --no-print-directory build/nsiso-pamh >"$RUN_LOGDIR/nsiso-pamh.build.log" 2>&1 ||
		echo "# make build/nsiso-pamh failed, see $RUN_LOGDIR/nsiso-pamh.build.log"
fi
run_suite tests/e2e/t_*.sh
