#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make adversarial: run every tests/adversarial/t_*.sh, each in a throwaway
# sandbox of its own (tests/lib/sandbox.sh with a private /dev, see lib.sh),
# print their lines and one summed line (tests/lib/runner.sh)
#   adversarial: N passed, N failed
# Each file's full output is also kept in build/tests/adversarial/<name>.log.
#
# Needs build/pam_nsiso.so, build/nsiso-pamh and (t_faults) build/fault/pam_nsiso.so:
#   make all build/nsiso-pamh fault-build
# Environment: NSISO_TEST_MODULE, NSISO_TEST_PAMH, NSISO_TEST_FAULT_MODULE pick
# other builds (e.g. build/asan/); RUN_ONLY="t_pins t_faults" (the old name
# ADV_TESTS works too) runs only those files; FILE_TIMEOUT (s, default 900)
# bounds each file; CI set: a file that cannot run is a failure. The suite
# fails when nothing passed.
set -u
cd "$(dirname "$0")/../.." || exit 2
RUN_SUITE=adversarial
# shellcheck source=tests/lib/runner.sh
. tests/lib/runner.sh
RUN_ONLY=${RUN_ONLY:-${ADV_TESTS:-}}
RUN_NEED_PASSES=1
run_suite tests/adversarial/t_*.sh
