#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make fuzz [FUZZ_SECONDS=N]: build (tests/fuzz/build.sh) and run the
# policy-loader fuzzer for FUZZ_SECONDS (default 60) on a working copy of the
# seed corpus (tests/fuzz/corpus/, never modified here). Crashes, leaks,
# sanitizer reports, timeouts (10 s per input) and out-of-memory (4 GiB RSS, 2 GiB in one allocation) are
# failures; the input is kept in build/fuzz/artifacts/.
# Prints "fuzz: 1 passed, 0 failed" or "fuzz: 0 passed, 1 failed".
set -u
cd "$(dirname "$0")/../.." || exit 2
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
OUT=build/fuzz
if ! sh tests/fuzz/build.sh; then
	echo "not ok 1 - fuzz: the fuzz target does not build"
	echo "fuzz: 0 passed, 1 failed"
	exit 1
fi
mkdir -p "$OUT/corpus" "$OUT/artifacts"
cp -p tests/fuzz/corpus/* "$OUT/corpus/"
rc=0
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
"$OUT/fuzz_policy" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=4096 -malloc_limit_mb=2048 \
	-max_len=65536 -dict=tests/fuzz/policy.dict -print_final_stats=1 \
	-artifact_prefix="$OUT/artifacts/" "$OUT/corpus" >"$OUT/fuzz.log" 2>&1 || rc=$?
grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==ERROR|SUMMARY)' "$OUT/fuzz.log" | sed 's/^/# /'
if [ "$rc" = 0 ]; then
	echo "ok 1 - fuzz: policy loader, $FUZZ_SECONDS s, no crash, leak, sanitizer report or timeout"
	echo "fuzz: 1 passed, 0 failed"
	exit 0
fi
echo "not ok 1 - fuzz: policy loader (exit $rc); see $OUT/fuzz.log and $OUT/artifacts/"
tail -n 60 "$OUT/fuzz.log" | sed 's/^/#   | /'
echo "fuzz: 0 passed, 1 failed"
exit 1
