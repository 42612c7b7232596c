#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the libFuzzer target build/fuzz/fuzz_policy: `make fuzz-build`, which
# compiles the core (lib/*.c) and the target with clang, the project's
# warnings and hardening (Makefile WARN, HARDEN) and
# -fsanitize=fuzzer-no-link,address,undefined into build/fuzz/.
# Needs clang and its fuzzer runtime (Debian: clang, libclang-rt-dev).
set -eu
cd "$(dirname "$0")/../.."
command -v clang >/dev/null 2>&1 || { echo "fuzz: clang is not installed (apt-get install clang libclang-rt-dev)" >&2; exit 2; }
make --no-print-directory fuzz-build
echo "fuzz: built build/fuzz/fuzz_policy"
