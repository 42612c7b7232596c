#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make ctl-test: run every tests/ctl/t_*.sh and print their lines and one
# summed line (tests/lib/runner.sh)
#   ctl: N passed, N failed
# Files that need real sets (they source tests/integration/lib.sh) run in a
# throwaway sandbox of their own (tests/lib/sandbox.sh); the others (man
# pages, make install, the package) work in scratch directories that they
# remove. Each file's full output is kept in build/tests/ctl/<name>.log.
# Exit status non-zero when anything failed.
set -u
cd "$(dirname "$0")/../.." || exit 2
RUN_SUITE=ctl
# shellcheck source=tests/lib/runner.sh
. tests/lib/runner.sh
run_suite tests/ctl/t_*.sh
