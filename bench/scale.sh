#!/usr/bin/env bash
# Scale benchmark: generated topologies of growing size in one daemon, each started
# SCALE_RUNS times; per size the time from launching bgpemud to its last best-path change
# (the daemon's own clock: `converged`'s last_change_ms), and the resident memory once
# converged, as min/median/max.
#
#   bash bench/scale.sh                          # after: cmake --build build
#   SCALE_SIZES="50:5:45 500:50:450" SCALE_RUNS=5 bash bench/scale.sh
#
# A size is VNETS:CIRCUITS:SITES for bgpemu-gen-topology; the default pair gives about
# 100 and 1,050 speakers. Prints a markdown table.
set -euo pipefail

# shellcheck source=bench/daemon_run.sh
source "$(dirname "${BASH_SOURCE[0]}")/daemon_run.sh"
bench_setup scale
runs=${SCALE_RUNS:-3}
sizes=${SCALE_SIZES:-"50:5:45 500:50:450"}
port=${SCALE_PORT:-27179}
# Each session inside one daemon holds two descriptors, each speaker a listener.
ulimit -n "$(ulimit -Hn)"

# min/median/max of the numbers on standard input.
stats() { sort -n | awk '{ v[NR] = $1 } END { printf "%s / %s / %s", v[1], v[int((NR + 1) / 2)], v[NR] }'; }

echo "| speakers | sessions | start -> converged, ms (min / median / max) | resident MiB, converged (min / median / max) |"
echo "| ---: | ---: | ---: | ---: |"
for size in $sizes; do
  IFS=: read -r vnets circuits sites <<<"$size"
  "$gen" --vnets "$vnets" --circuits "$circuits" --sites "$sites" --port "$port" >"$work/topology.yaml"
  : >"$work/times"
  : >"$work/memory"
  speakers=0
  sessions=0
  for ((run = 1; run <= runs; run++)); do
    started_ms=$(date +%s%3N)
    "$bgpemud" "$work/topology.yaml" --socket "$work/bgpemud.sock" --log-level warning >"$work/log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do [[ -S $work/bgpemud.sock ]] && break; sleep 0.1; done
    last=$(c --json wait converged --timeout 120 | sed -n 's/.*"last_change_ms":\([0-9]*\).*/\1/p' | tail -n 1)
    echo $((last - started_ms)) >>"$work/times"
    c --json show memory | sed -n 's/.*"resident_bytes":\([0-9]*\).*/\1/p' | awk '{ printf "%.1f\n", $1 / 1048576 }' >>"$work/memory"
    speakers=$(c --json status | grep -o '"sessions":' | wc -l)
    sessions=$(c --json show sessions | grep -o '"peer":' | wc -l)
    kill -TERM "$pid"
    wait "$pid" || true
    pid=
  done
  echo "| $speakers | $((sessions / 2)) | $(stats <"$work/times") | $(stats <"$work/memory") |"
done
