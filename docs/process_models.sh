#!/usr/bin/env bash
# Measures what each process model costs (docs/architecture.md, "Process
# models"): 64 tabs over 8 sites under per-tab, per-site and limit:4, and
# for each the number of tab processes, their total PSS (from
# /proc/PID/smaps_rollup: shared pages counted once, split between
# sharers), the manager's PSS, the time until every tab drew, and the blast
# radius of one crash (how many tabs one SIGKILL takes down).
#
#   docs/process_models.sh [build-dir]     (default: build)
#
# Prints a Markdown table. Takes about 30 s. Needs python3 (JSON).
set -euo pipefail
BUILD=${1:-build}
TABSIM=$BUILD/tabsim
[ -x "$TABSIM" ] || { echo "no $TABSIM: build first" >&2; exit 1; }
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"; kill $(jobs -p) 2>/dev/null || true' EXIT

# Eight sites (a site is scheme + host); sim://nosuchpage is the error
# page, a page like any other.
PAGES=()
SITES=(clock bounce paint stamp blank slow frames nosuchpage)
for s in "${SITES[@]}"; do PAGES+=(--page "sim://$s"); done

pss_kib() {  # total PSS of the given pids, in KiB
  local total=0 p v
  for p in "$@"; do
    v=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
    total=$((total + ${v:-0}))
  done
  echo "$total"
}

echo "| model | tab processes | tabs' PSS | per tab | manager PSS | all 64 drawn after | one crash takes down |"
echo "|-------|--------------:|----------:|--------:|------------:|-------------------:|---------------------:|"
for model in per-tab per-site limit:4; do
  sock=$DIR/$model.sock
  start=$(date +%s.%N)
  "$TABSIM" run --ui none --tabs 64 --size 160x100 --fps 30 \
    --process-model "$model" --control "$sock" "${PAGES[@]}" \
    >"$DIR/$model.out" 2>&1 &
  manager=$!
  # Until every tab drew its first frame.
  for _ in $(seq 1 600); do
    sleep 0.05
    [ -S "$sock" ] || continue
    drawn=$("$TABSIM" ctl --control "$sock" list --json 2>/dev/null |
      python3 -c 'import json,sys; print(sum(1 for t in json.load(sys.stdin)["tabs"] if t["frames"]>0))' 2>/dev/null || echo 0)
    [ "$drawn" -ge 64 ] && break
  done
  ready=$(python3 -c "import time; print(f'{(time.time()-$start)*1000:.0f} ms')")
  sleep 2  # settle
  tabs=$(pgrep -P "$manager" | tr '\n' ' ')
  ntabs=$(echo $tabs | wc -w)
  tabs_pss=$(pss_kib $tabs)
  mgr_pss=$(pss_kib "$manager")
  # Blast radius: SIGKILL the process of tab 1, count the tabs it took.
  victim=$("$TABSIM" ctl --control "$sock" list --json |
    python3 -c 'import json,sys; print([t["pid"] for t in json.load(sys.stdin)["tabs"] if t["id"]==1][0])')
  kill -9 "$victim"
  sleep 1
  lost=$("$TABSIM" ctl --control "$sock" list --json |
    python3 -c 'import json,sys; print(sum(1 for t in json.load(sys.stdin)["tabs"] if t["state"]=="crashed"))')
  kill -INT "$manager"; wait "$manager" || true
  printf '| %s | %d | %.1f MiB | %.0f KiB | %.1f MiB | %s | %d tab(s) |\n' \
    "$model" "$ntabs" "$(awk "BEGIN {print $tabs_pss / 1024}")" \
    "$(awk "BEGIN {print $tabs_pss / 64}")" "$(awk "BEGIN {print $mgr_pss / 1024}")" \
    "$ready" "$lost"
done
