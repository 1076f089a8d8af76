#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# run-tests.sh - the whole test suite, as CI runs it (root needed for the
# integration tests: namespaces and taps).
#
# 1. installs what is missing and builds with -Werror (build/), runs every
#    test: Criterion unit tests, fuzz-corpus replays, integration tests
#    against the kernel's stack in network namespaces;
# 2. the same under AddressSanitizer + UndefinedBehaviorSanitizer
#    (build-asan/).
# Exits non-zero when anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."

run_suite() {
	local dir=$1
	shift
	echo "==== $dir: build ($*)"
	BUILD_DIR=$dir CMAKE_ARGS="-DNATD_WERROR=ON $*" scripts/setup.sh --tests
	echo "==== $dir: tests"
	(cd "$dir" && ctest --output-on-failure --timeout 300)
}

status=0
run_suite build -DCMAKE_BUILD_TYPE=RelWithDebInfo || status=1
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DNATD_ASAN=ON -DNATD_UBSAN=ON || status=1
if [ "$status" = 0 ]; then
	echo "run-tests: all suites passed (normal and ASan+UBSan)"
else
	echo "run-tests: FAILED"
fi
exit "$status"
