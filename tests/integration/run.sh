#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make integration: run every tests/integration/t_*.sh, each in a throwaway
# sandbox of its own (tests/lib/sandbox.sh, see lib.sh), print their lines and
# one summed line (tests/lib/runner.sh)
#   integration: N passed, N failed
# A file's full output is also kept in build/tests/integration/<name>.log.
set -u
cd "$(dirname "$0")/../.." || exit 2
RUN_SUITE=integration
# shellcheck source=tests/lib/runner.sh
. tests/lib/runner.sh
run_suite tests/integration/t_*.sh
