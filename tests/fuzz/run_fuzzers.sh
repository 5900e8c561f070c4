#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) and runs each for a
# bounded time from the seed corpus. Usage: run_fuzzers.sh BUILD_DIR [SECONDS]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:?build dir}
SECONDS_EACH=${2:-${TABSIM_FUZZ_SECONDS:-30}}
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug \
  -DTABSIM_FUZZ=ON -DTABSIM_BUILD_TESTS=OFF -DTABSIM_WERROR=ON >/dev/null
cmake --build "$BUILD" --target tab_message_fuzzer -j"$(nproc)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$ROOT"/tests/fuzz/corpus/* "$work"/
"$BUILD/tab_message_fuzzer" -max_total_time="$SECONDS_EACH" -max_len=4096 \
  -print_final_stats=1 "$work" 2>&1 | tail -n 12
