#!/usr/bin/env bash
# The long run of issue 15 (bounded state): open -> crash -> reload -> close
# and open -> close cycles through the control socket of a real manager
# (`tabsim run --ui none`), then `ctl forget finished`. It checks that the
# manager's open fds end exactly at their baseline (and never rise above it
# by more than 4), its resident memory within 4 MiB of it, its finished
# records never over the bound of 256 and at 0 after the forget; and prints
# the figures (docs/security.md has a run's).
#
# Usage: tests/long_run.sh [BUILD_DIR] [CYCLES]
#   BUILD_DIR defaults to build/, CYCLES to TABSIM_LONG_RUN_CYCLES, else
#   10000 (about 11 minutes here: three tab processes a cycle). CI runs the
#   same test with 200 cycles (ctest -R tab_lifetime_test).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
CYCLES=${2:-${TABSIM_LONG_RUN_CYCLES:-10000}}
cmake --build "$BUILD" --target tabsim tabsim-tab tab_lifetime_test -j2 >/dev/null
TABSIM_LONG_RUN_CYCLES=$CYCLES TABSIM_EXE="$BUILD/tabsim" \
  TABSIM_TAB_EXE="$BUILD/tabsim-tab" \
  "$BUILD/tests/tab_lifetime_test" --gtest_filter='*LongRun*'
