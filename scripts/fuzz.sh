#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# fuzz.sh [SECONDS] [TARGET...] - runs natd's libFuzzer targets.
#
# Builds build-fuzz/ with clang, -DNATD_FUZZ=ON (libFuzzer, ASan, UBSan),
# then runs each target (default: every tests/fuzz/fuzz_*.c) for SECONDS
# (default 60) on a scratch copy of its seed corpus, so the committed
# corpus is not rewritten. Prints one line per target: runs, coverage
# (libFuzzer's cov: and ft:), corpus size, and whether it found a crash
# (the reproducer is kept under build-fuzz/crashes/TARGET/). Exits non-zero
# when any target crashed.
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${1:-60}
shift || true
command -v clang >/dev/null || { echo "fuzz.sh: clang missing (apt-get install clang)" >&2; exit 1; }
BUILD_DIR=build-fuzz CMAKE_ARGS="-DCMAKE_C_COMPILER=clang -DNATD_FUZZ=ON -DNATD_ASAN=ON -DNATD_UBSAN=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo" \
	scripts/setup.sh > build-fuzz.build.log 2>&1 ||
	{ tail -30 build-fuzz.build.log; echo "fuzz.sh: build failed" >&2; exit 1; }

targets=("$@")
if [ "${#targets[@]}" = 0 ]; then
	for f in tests/fuzz/fuzz_*.c; do targets+=("$(basename "$f" .c)"); done
fi
status=0
work=$(mktemp -d /tmp/natd-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
printf '%-24s %10s %8s %8s %8s  %s\n' target runs cov ft corpus result
for t in "${targets[@]}"; do
	bin=build-fuzz/tests/$t
	[ -x "$bin" ] || { echo "fuzz.sh: $bin missing" >&2; status=1; continue; }
	mkdir -p "$work/$t" "build-fuzz/crashes/$t"
	[ -d "tests/fuzz/corpus/$t" ] && cp -r "tests/fuzz/corpus/$t/." "$work/$t/"
	set +e
	ASAN_OPTIONS=detect_leaks=1 "$bin" -max_total_time="$secs" -print_final_stats=1 \
		-artifact_prefix="build-fuzz/crashes/$t/" "$work/$t" > "$work/$t.log" 2>&1
	rc=$?
	set -e
	runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$t.log" | grep -o '[0-9]*$' || echo ?)
	last=$(grep -E '^#[0-9]+' "$work/$t.log" | tail -1 || true)
	cov=$(grep -o 'cov: [0-9]*' <<< "$last" | grep -o '[0-9]*' || echo ?)
	ft=$(grep -o 'ft: [0-9]*' <<< "$last" | grep -o '[0-9]*' || echo ?)
	n=$(find "$work/$t" -type f | wc -l)
	if [ "$rc" = 0 ]; then
		result=ok
	else
		result="CRASH (build-fuzz/crashes/$t/, log below)"
		status=1
	fi
	printf '%-24s %10s %8s %8s %8s  %s\n' "$t" "$runs" "$cov" "$ft" "$n" "$result"
	[ "$rc" = 0 ] || tail -40 "$work/$t.log"
done
exit "$status"
