#!/usr/bin/env bash
# The one set-up entry point (see README.md):
#   ./bootstrap.sh demo   install what is missing, build, run the demo
#   ./bootstrap.sh test   install what is missing, build, run the whole suite
# On Debian 12. Installs packages with apt-get (through sudo when not root).
set -euo pipefail

cd "$(dirname "$0")"
ROOT=$(pwd)
MODE=${1:-}
JOBS=$(nproc 2>/dev/null || echo 2)

usage() {
  echo "usage: ./bootstrap.sh demo|test" >&2
  echo "  demo  install missing packages, build, run tabsim with a few live tabs" >&2
  echo "  test  install missing packages, build (plain and ASan+UBSan), run every test" >&2
  exit 2
}
case "$MODE" in demo|test) ;; *) usage ;; esac

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# ---------------------------------------------------------------- packages
PACKAGES=(cmake make g++ pkg-config libboost1.81-dev libprotobuf-dev
          protobuf-compiler libgtest-dev libgmock-dev libbenchmark-dev
          libseccomp-dev libpng-dev libcli11-dev tmux help2man dpkg-dev file
          man-db libzmq3-dev libnng-dev)
if [ "$MODE" = test ]; then
  # The fuzz target needs clang's libFuzzer.
  PACKAGES+=(clang libclang-rt-14-dev)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing: ${missing[*]}"
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "bootstrap: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    SUDO=(sudo)
  fi
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The web dashboard's browser test (tests/web, docs/web.md): Debian's
# chromium driven by playwright-core from npm. Best effort: where they
# cannot be installed, web_dashboard_test skips and says why.
if [ "$MODE" = test ]; then
  web_missing=()
  # By command, not package: a node from elsewhere may bundle its own npm
  # (and conflict with Debian's npm package).
  command -v chromium >/dev/null || web_missing+=(chromium)
  command -v node >/dev/null || web_missing+=(nodejs)
  command -v npm >/dev/null || web_missing+=(npm)
  if [ ${#web_missing[@]} -gt 0 ]; then
    log "installing for the browser test: ${web_missing[*]}"
    SUDO=()
    [ "$(id -u)" -ne 0 ] && SUDO=(sudo)
    { "${SUDO[@]}" apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${web_missing[@]}"; } ||
      log "could not install ${web_missing[*]}: web_dashboard_test will be skipped"
  fi
  if command -v npm >/dev/null && [ ! -f "$ROOT/tests/web/node_modules/playwright-core/package.json" ]; then
    log "npm ci in tests/web (playwright-core; no browser download)"
    (cd "$ROOT/tests/web" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund) ||
      log "npm ci failed: web_dashboard_test will be skipped"
  fi
fi

# ---------------------------------------------------------------- build
build() {  # build DIR [cmake args...]
  local dir=$1; shift
  log "building in $dir"
  cmake -S "$ROOT" -B "$dir" -DTABSIM_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j"$JOBS"
  # Three builds fill a disk faster than one: say where it stands.
  log "$dir takes $(du -sh "$dir" | cut -f1); $(df -Ph "$dir" | awk 'NR == 2 {print $4}') left on its disk"
}

if [ "$MODE" = demo ]; then
  build "$ROOT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
  log "demo: four tabs, each its own process (Ctrl-C or q to quit)"
  if [ -t 0 ] && [ -t 1 ]; then
    exec "$ROOT/build/tabsim" run --tabs 4 \
      --page sim://clock --page sim://bounce --page sim://paint --page sim://stamp
  fi
  # No terminal: print lifecycle lines for a few seconds, kill one tab on
  # the way to show the others living on, then the summary.
  "$ROOT/build/tabsim" run --ui none --duration 6 --tabs 4 \
    --page sim://clock --page sim://bounce --page sim://paint --page sim://stamp &
  manager=$!
  sleep 2
  victim=$(pgrep -P "$manager" | sed -n 2p || true)
  if [ -n "$victim" ]; then
    log "kill -9 $victim (tab 2): the other tabs keep running"
    kill -9 "$victim" || true
  fi
  wait "$manager"
  exit $?
fi

# ---------------------------------------------------------------- test
build "$ROOT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
log "test suite"
(cd "$ROOT/build" && ctest --output-on-failure -j"$JOBS" --timeout 300)

build "$ROOT/build-asan" -DCMAKE_BUILD_TYPE=Debug -DTABSIM_SANITIZE=address,undefined
log "test suite under ASan+UBSan"
(cd "$ROOT/build-asan" && ctest --output-on-failure -j"$JOBS" --timeout 600)

if [ -x "$ROOT/tests/fuzz/run_fuzzers.sh" ]; then
  log "fuzzing (bounded)"
  "$ROOT/tests/fuzz/run_fuzzers.sh" "$ROOT/build-fuzz"
fi
log "all tests passed"
