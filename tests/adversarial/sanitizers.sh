#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The sanitizer runs of make check:
#
#   sh tests/adversarial/sanitizers.sh asan-unit         unit tests, ASan+UBSan build
#   sh tests/adversarial/sanitizers.sh asan-integration  integration tests with the
#                                                        ASan+UBSan module and harness
#   sh tests/adversarial/sanitizers.sh asan-adversarial  this suite (less t_faults) likewise
#   sh tests/adversarial/sanitizers.sh valgrind-unit     unit tests (normal build) under valgrind
#   sh tests/adversarial/sanitizers.sh all               all four
#
# Needs: make asan-build (build/asan/...), make all build/nsiso-pamh and the
# unit test binaries (build/tests/test_*), valgrind.
# Any sanitizer report is a failure, even one from a forked child (the
# creation and tear-down children) or one that did not change an exit status:
# ASan and UBSan write their reports to files under build/asan/reports/,
# which must stay empty. valgrind: any error, and definite or indirect leaks.
# Ends with "sanitizers: N passed, N failed" (one per mode run).
set -u
cd "$(dirname "$0")/../.." || exit 2
TOP=$(pwd)
REPORTS=$TOP/build/asan/reports

passed=0
failed=0

result()
{
	if [ "$2" = 0 ]; then
		echo "ok - sanitizers: $1"
		passed=$((passed + 1))
	else
		echo "not ok - sanitizers: $1"
		failed=$((failed + 1))
	fi
}

# Sanitizer options for everything below: reports to files, stop at the first.
san_env()
{
	rm -rf "$REPORTS"
	mkdir -p "$REPORTS"
	ASAN_OPTIONS="log_path=$REPORTS/asan:abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1"
	UBSAN_OPTIONS="log_path=$REPORTS/ubsan:print_stacktrace=1:halt_on_error=1"
	LSAN_OPTIONS="suppressions=$TOP/tests/adversarial/lsan.supp:print_suppressions=0"
	export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
}

# no_reports MODE: 0 when the run left no sanitizer report.
no_reports()
{
	local f n
	n=0
	for f in "$REPORTS"/*; do
		[ -e "$f" ] || continue
		n=$((n + 1))
		echo "# $1: sanitizer report $f:"
		head -n 60 "$f" | sed 's/^/#   | /'
	done
	[ "$n" = 0 ]
}

need()
{
	for f in "$@"; do
		[ -e "$f" ] || {
			echo "# missing $f (make asan-build / make all build/nsiso-pamh / unit binaries)"
			return 1
		}
	done
}

asan_unit()
{
	local rc
	need build/asan/tests/test_* || { result "asan-unit (binaries missing)" 1; return; }
	san_env
	rc=0
	sh tests/run-unit.sh build/asan/tests/test_* || rc=$?
	no_reports asan-unit || rc=1
	result "asan-unit: unit tests in the ASan+UBSan build" "$rc"
}

asan_integration()
{
	local rc
	need build/asan/pam_nsiso.so build/asan/nsiso-pamh || { result "asan-integration (builds missing)" 1; return; }
	if ! grep -q 'NSISO_TEST_PAMH' tests/integration/lib.sh; then
		echo "# tests/integration/lib.sh hard-codes the harness: it needs"
		echo "#   PAMH=\${NSISO_TEST_PAMH:-\$TOP/build/nsiso-pamh}"
		result "asan-integration: tests/integration/lib.sh does not honour NSISO_TEST_PAMH" 1
		return
	fi
	san_env
	rc=0
	NSISO_TEST_MODULE=$TOP/build/asan/pam_nsiso.so NSISO_TEST_PAMH=$TOP/build/asan/nsiso-pamh \
		sh tests/integration/run.sh || rc=$?
	no_reports asan-integration || rc=1
	result "asan-integration: integration tests with the ASan+UBSan module and harness" "$rc"
}

asan_adversarial()
{
	local rc tests t
	need build/asan/pam_nsiso.so build/asan/nsiso-pamh || { result "asan-adversarial (builds missing)" 1; return; }
	tests=""
	for t in tests/adversarial/t_*.sh; do
		t=$(basename "$t" .sh)
		[ "$t" = t_faults ] || tests="$tests $t"
	done
	san_env
	rc=0
	NSISO_TEST_MODULE=$TOP/build/asan/pam_nsiso.so NSISO_TEST_PAMH=$TOP/build/asan/nsiso-pamh \
		RUN_ONLY="$tests" ADV_TIME_FACTOR=10 sh tests/adversarial/run.sh || rc=$?
	no_reports asan-adversarial || rc=1
	result "asan-adversarial: the adversarial suite with the ASan+UBSan module and harness" "$rc"
}

valgrind_unit()
{
	local rc dir b w
	command -v valgrind >/dev/null 2>&1 || { result "valgrind-unit: valgrind is not installed" 1; return; }
	need build/tests/test_* || { result "valgrind-unit (binaries missing)" 1; return; }
	# Wrappers so tests/run-unit.sh counts the results as usual; valgrind's
	# exit code 99 (any error or definite/indirect leak) fails the binary.
	dir=build/valgrind
	rm -rf "$dir"
	mkdir -p "$dir"
	for b in build/tests/test_*; do
		w=$dir/$(basename "$b")
		printf '#!/bin/sh\nexec valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --track-origins=yes %s "$@"\n' \
			"$TOP/$b" >"$w"
		chmod 0755 "$w"
	done
	rc=0
	sh tests/run-unit.sh "$dir"/test_* || rc=$?
	result "valgrind-unit: unit tests under valgrind (memcheck)" "$rc"
}

[ $# -gt 0 ] || set -- all
for mode in "$@"; do
	case $mode in
	asan-unit) asan_unit ;;
	asan-integration) asan_integration ;;
	asan-adversarial) asan_adversarial ;;
	valgrind-unit) valgrind_unit ;;
	all)
		asan_unit
		asan_integration
		asan_adversarial
		valgrind_unit
		;;
	*)
		echo "usage: sanitizers.sh [asan-unit|asan-integration|asan-adversarial|valgrind-unit|all]..." >&2
		exit 2
		;;
	esac
done
echo "sanitizers: $passed passed, $failed failed"
[ "$failed" = 0 ]
