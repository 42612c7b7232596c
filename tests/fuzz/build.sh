#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the libFuzzer target build/fuzz/fuzz_policy with clang: the core
# objects (lib/*.c) are compiled here with -fsanitize=fuzzer-no-link,
# address,undefined into build/fuzz/ (not through the Makefile's gcc rules).
# Needs clang and its fuzzer runtime (Debian: clang, libclang-rt-dev).
set -eu
cd "$(dirname "$0")/../.."
CC=${FUZZ_CC:-clang}
OUT=build/fuzz
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
CFLAGS="-std=gnu11 -g -O1 -D_GNU_SOURCE -Ilib -Wall -Wno-unused-parameter $SAN"

command -v "$CC" >/dev/null 2>&1 || { echo "fuzz: $CC is not installed (apt-get install clang libclang-rt-dev)" >&2; exit 2; }
mkdir -p "$OUT/lib"
objs=""
for src in lib/*.c; do
	obj=$OUT/lib/$(basename "$src" .c).o
	if [ ! -e "$obj" ] || [ "$src" -nt "$obj" ] || [ -n "$(find lib -name '*.h' -newer "$obj")" ]; then
		$CC $CFLAGS -fsanitize=fuzzer-no-link -c -o "$obj" "$src"
	fi
	objs="$objs $obj"
done
rm -f "$OUT/libnsiso-fuzz.a"
# shellcheck disable=SC2086
ar rcs "$OUT/libnsiso-fuzz.a" $objs
$CC $CFLAGS -fsanitize=fuzzer -o "$OUT/fuzz_policy" tests/fuzz/fuzz_policy.c \
	"$OUT/libnsiso-fuzz.a" -lcap -liniparser
echo "fuzz: built $OUT/fuzz_policy"
