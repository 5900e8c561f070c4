#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) and runs each for a
# bounded time from its seed corpus:
#   tab_message_fuzzer      what a tab sends (corpus/)
#   control_request_fuzzer  what a control-socket client sends (corpus_control/)
#   web_command_fuzzer      what a dashboard sends (corpus_web/)
# Usage: run_fuzzers.sh BUILD_DIR [SECONDS_EACH] [FUZZER...]
# SECONDS_EACH defaults to TABSIM_FUZZ_SECONDS, else 20 (three fuzzers: a
# minute in all). Fails on the first finding; its reproducer is left in
# BUILD_DIR/fuzz-findings/.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:?build dir}
SECONDS_EACH=${2:-${TABSIM_FUZZ_SECONDS:-20}}
shift $(( $# > 2 ? 2 : $# ))
FUZZERS=("$@")
if [ ${#FUZZERS[@]} -eq 0 ]; then
  FUZZERS=(tab_message_fuzzer control_request_fuzzer web_command_fuzzer)
fi
declare -A CORPUS=([tab_message_fuzzer]=corpus
                   [control_request_fuzzer]=corpus_control
                   [web_command_fuzzer]=corpus_web)
# The two that link the whole manager have so many coverage counters that
# libFuzzer's entropic scheduling (recounting every feature's frequency
# after each run) is most of their time: off, they run ~4x faster.
declare -A FLAGS=([control_request_fuzzer]=-entropic=0
                  [web_command_fuzzer]=-entropic=0)
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug \
  -DTABSIM_FUZZ=ON -DTABSIM_BUILD_TESTS=OFF -DTABSIM_WERROR=ON >/dev/null
cmake --build "$BUILD" --target "${FUZZERS[@]}" -j"$(nproc)"
echo "== $BUILD takes $(du -sh "$BUILD" | cut -f1); $(df -Ph "$BUILD" | awk 'NR == 2 {print $4}') left on its disk"
findings="$BUILD/fuzz-findings"
mkdir -p "$findings"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for fuzzer in "${FUZZERS[@]}"; do
  corpus=${CORPUS[$fuzzer]:?unknown fuzzer $fuzzer}
  mkdir -p "$work/$fuzzer"
  cp "$ROOT/tests/fuzz/$corpus"/* "$work/$fuzzer"/
  echo "== $fuzzer, ${SECONDS_EACH} s"
  log="$work/$fuzzer.log"
  if ! "$BUILD/$fuzzer" -max_total_time="$SECONDS_EACH" -max_len=4096 ${FLAGS[$fuzzer]:-} \
      -artifact_prefix="$findings/$fuzzer-" -print_final_stats=1 \
      "$work/$fuzzer" >"$log" 2>&1; then
    tail -n 40 "$log"
    echo "$fuzzer: a finding; the input is in $findings/" >&2
    exit 1
  fi
  tail -n 12 "$log"
done
