#!/usr/bin/env bash
# Convergence benchmark: how long a topology takes to settle after a link fails and
# after it comes back, measured inside the daemon (from the link event to the last
# best-path change, both on the daemon's clock; `bgpemuctl wait converged` decides when
# it is over, after a quiet second).
#
#   bash bench/convergence.sh        # after: cmake --build build
#   CONV_RUNS=5 CONV_VNETS=400 bash bench/convergence.sh
#
# Topologies: the reference one (configs/azure-interop.yaml; the loc1-ce1 -- er1-msee1
# link), and one from bgpemu-gen-topology (CONV_VNETS VNets, CONV_CIRCUITS circuits,
# CONV_SITES sites; the link of site 0's CE to its primary MSEE, and of VNet 0's
# gateway to its primary MSEE). Prints a markdown table of medians over CONV_RUNS.
set -euo pipefail

# shellcheck source=bench/daemon_run.sh
source "$(dirname "${BASH_SOURCE[0]}")/daemon_run.sh"
bench_setup conv
runs=${CONV_RUNS:-3}
vnets=${CONV_VNETS:-200}
circuits=${CONV_CIRCUITS:-20}
sites=${CONV_SITES:-100}
port=${CONV_PORT:-25179}

sed -e "s/:1179/:$port/g" -e "s/port: 1179/port: $port/" "$root/configs/azure-interop.yaml" >"$work/reference.yaml"
"$gen" --vnets "$vnets" --circuits "$circuits" --sites "$sites" --port "$port" >"$work/generated.yaml"

now_ms() { date +%s%3N; }
json_number() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# The time of the newest event about LINK, and from it to the last change.
settle_ms() {  # settle_ms LINK-NAME STATE
  c wait converged --timeout 300 >/dev/null
  local event last
  event=$(c --json show events 1000 | tr '{' '\n' | grep "\"text\":\"$1 $2\"" | tail -1 | json_number time_ms)
  last=$(c --json request '{"command":"converged"}' | json_number last_change_ms)
  echo $((last - event))
}

measure() {  # measure NAME FILE LINK...
  local name=$1 file=$2
  shift 2
  local start_runs=() rows=() speakers=0
  declare -A down up
  for _ in $(seq 1 "$runs"); do
    rm -f "$work/bgpemud.sock"
    local t0
    t0=$(now_ms)
    "$bgpemud" --config "$file" --socket "$work/bgpemud.sock" --log-level warning >"$work/daemon.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do [[ -S $work/bgpemud.sock ]] && break; sleep 0.1; done
    c wait converged --timeout 300 >/dev/null
    local last
    last=$(c --json request '{"command":"converged"}' | json_number last_change_ms)
    start_runs+=($((last - t0)))
    # A design names no speakers: the daemon counts them (one "sessions" key each in status).
    speakers=$(c --json status | grep -o '"sessions":' | wc -l)
    for link in "$@"; do
      c link down "$link" >/dev/null
      down[$link]+="$(settle_ms "$link" down) "
      c link up "$link" >/dev/null
      up[$link]+="$(settle_ms "$link" up) "
    done
    kill -TERM "$pid"; wait "$pid" || true; pid=
  done
  printf '| %s | %s | start, to converged | %s ms |\n' "$name" "$speakers" "$(printf '%s\n' "${start_runs[@]}" | median)"
  for link in "$@"; do
    printf '| %s | %s | link %s down | %s ms |\n' "$name" "$speakers" "$link" "$(tr ' ' '\n' <<<"${down[$link]}" | grep . | median)"
    printf '| %s | %s | link %s up | %s ms |\n' "$name" "$speakers" "$link" "$(tr ' ' '\n' <<<"${up[$link]}" | grep . | median)"
  done
}

echo "| topology | speakers | event | to the last best-path change (median of $runs) |"
echo "| --- | --- | --- | --- |"
measure reference "$work/reference.yaml" "loc1-ce1:er1--er1-msee1:ce"
measure "generated ($vnets VNets, $circuits circuits, $sites sites)" "$work/generated.yaml" \
  "site0-ce:c0-msee1--c0-msee1:site0" "vnet0-ergw:c0-msee1--c0-msee1:vnet0"
