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
# 100 and 1,050 speakers. Per run also the daemon's CPU over SCALE_IDLE_S seconds (default
# 60) once converged, the time of `check symmetry` over all hosts, the slowest of three
# `show sessions` and three `trace` requests made while it converges (wall time of
# bgpemuctl, its start included), and the time from failing one CE's circuit link to the
# last best-path change it causes. Prints a markdown
# table; then, for PER_ROUTER_SIZE (default 20:2:26, 50 routers), the memory per router
# of the same topology as one bgpemud, as one BIRD process per router, and as one FRR
# bgpd per router (bench/per_router.py writes their configurations), with the ratios.
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

idle_s=${SCALE_IDLE_S:-60}
check_max_hosts=${SCALE_CHECK_MAX_HOSTS:-1000}
ticks=$(getconf CLK_TCK)
# CPU seconds (user + system) the process has used, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# Resident KiB of the processes named by their pids.
rss_kib() { local total=0 p; for p in "$@"; do total=$((total + $(awk '/^VmRSS/ { print $2 }' "/proc/$p/status"))); done; echo "$total"; }

# Milliseconds one bgpemuctl request takes, start to end.
timed_ms() { local t0; t0=$(date +%s%3N); c --json "$@" >/dev/null || true; echo $(($(date +%s%3N) - t0)); }

echo "| speakers | sessions | start -> converged, ms | resident MiB, converged | idle CPU % over ${idle_s} s | check symmetry, s | admin request while converging, ms | link failure -> converged, ms |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for size in $sizes; do
  IFS=: read -r vnets circuits sites <<<"$size"
  "$gen" --vnets "$vnets" --circuits "$circuits" --sites "$sites" --port "$port" >"$work/topology.yaml"
  : >"$work/times"
  : >"$work/memory"
  : >"$work/cpu"
  : >"$work/check"
  : >"$work/admin"
  : >"$work/failover"
  speakers=0
  sessions=0
  for ((run = 1; run <= runs; run++)); do
    started_ms=$(date +%s%3N)
    "$bgpemud" "$work/topology.yaml" --socket "$work/bgpemud.sock" --log-level warning >"$work/log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do [[ -S $work/bgpemud.sock ]] && break; sleep 0.1; done
    slowest=0
    for _ in 1 2 3; do
      for ms in $(timed_ms show sessions) $(timed_ms trace vnet0-vm site0-pc); do ((ms > slowest)) && slowest=$ms; done
    done
    echo "$slowest" >>"$work/admin"
    last=$(c --json wait converged --timeout 120 | sed -n 's/.*"last_change_ms":\([0-9]*\).*/\1/p' | tail -n 1)
    echo $((last - started_ms)) >>"$work/times"
    c --json show memory | sed -n 's/.*"resident_bytes":\([0-9]*\).*/\1/p' | awk '{ printf "%.1f\n", $1 / 1048576 }' >>"$work/memory"
    speakers=$(c --json status | grep -o '"sessions":' | wc -l)
    sessions=$(c --json show sessions | grep -o '"peer":' | wc -l)
    before=$(cpu_ticks "$pid")
    sleep "$idle_s"
    echo "$before $(cpu_ticks "$pid") $idle_s $ticks" | awk '{ printf "%.2f\n", 100 * ($2 - $1) / ($3 * $4) }' >>"$work/cpu"
    # Its reply grows with the square of the hosts (about 370 bytes a pair): past
    # SCALE_CHECK_MAX_HOSTS hosts it is left out ("-").
    if ((vnets + sites <= check_max_hosts)); then
      check_start=$(date +%s%3N)
      c --json check symmetry >/dev/null || true
      echo "$(date +%s%3N) $check_start" | awk '{ printf "%.1f\n", ($1 - $2) / 1000 }' >>"$work/check"
    else
      echo "-" >>"$work/check"
    fi
    failed_at=$(date +%s%3N)
    c link down site0-ce c0-msee1 >/dev/null
    last=$(c --json wait converged --timeout 120 | sed -n 's/.*"last_change_ms":\([0-9]*\).*/\1/p' | tail -n 1)
    echo $((last - failed_at)) >>"$work/failover"
    kill -TERM "$pid"
    wait "$pid" || true
    pid=
  done
  echo "| $speakers | $((sessions / 2)) | $(stats <"$work/times") | $(stats <"$work/memory") | $(stats <"$work/cpu") | $(stats <"$work/check") | $(stats <"$work/admin") | $(stats <"$work/failover") |"
done

# ---- memory per router: one bgpemud, BIRD per router, FRR per router ----
IFS=: read -r vnets circuits sites <<<"${PER_ROUTER_SIZE:-20:2:26}"
pr_port=$((port + 1000))
"$gen" --vnets "$vnets" --circuits "$circuits" --sites "$sites" --port "$pr_port" >"$work/routers.yaml"
routers=$(grep -c '^  - name:' "$work/routers.yaml" || true)
# Sessions up: each is one established connection whose accepting end has the port.
established() { ss -Htn state established "( sport = :$pr_port )" | wc -l; }
want=$(($(grep -c '^      - {name: .*asn:' "$work/routers.yaml") / 2))
others=()
measure() {  # measure DUT PID...: waits for every session, prints DUT, routers, MiB, MiB per router
  local dut=$1
  shift
  for _ in $(seq 600); do (($(established) >= want)) && break; sleep 0.1; done
  sleep 2
  local kib
  kib=$(rss_kib "$@")
  echo "$dut $(established) $kib" >>"$work/per_router"
}
: >"$work/per_router"
"$bgpemud" "$work/routers.yaml" --socket "$work/bgpemud.sock" --log-level warning >"$work/log" 2>&1 &
pid=$!
for _ in $(seq 100); do [[ -S $work/bgpemud.sock ]] && break; sleep 0.1; done
c wait converged --timeout 120 >/dev/null
measure bgpemu "$pid"
kill -TERM "$pid"; wait "$pid" || true; pid=
stop_others() { local p; for p in "${others[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; for p in "${others[@]}"; do wait "$p" 2>/dev/null || true; done; others=(); }
trap 'stop_others; bench_cleanup' EXIT
if command -v bird >/dev/null; then
  while read -r name _ _; do
    bird -f -c "$work/bird/$name/bird.conf" -s "$work/bird/$name/ctl" -P "$work/bird/$name/pid" >"$work/bird/$name/log" 2>&1 &
    others+=($!)
  done < <(python3 "$root/bench/per_router.py" bird "$work/routers.yaml" "$work/bird")
  measure bird "${others[@]}"
  stop_others
fi
if [[ -x /usr/lib/frr/bgpd ]]; then
  while read -r name address router_port; do
    d=$work/frr/$name
    /usr/lib/frr/bgpd -f "$d/bgpd.conf" -p "$router_port" -l "$address" -Z -S -P 0 --vty_socket "$d" -i "$d/bgpd.pid" >"$d/log" 2>&1 &
    others+=($!)
  done < <(python3 "$root/bench/per_router.py" frr "$work/routers.yaml" "$work/frr")
  measure frr "${others[@]}"
  stop_others
fi
echo
echo "| DUT | routers | sessions up of $want | resident MiB | MiB per router | vs bgpemu |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
base=$(awk '$1 == "bgpemu" { print $3 }' "$work/per_router")
while read -r dut up kib; do
  echo "$dut $routers $up $kib $base" | awk '{ printf "| %s | %d | %d | %.1f | %.2f | %.1f |\n", $1, $2, $3, $4 / 1024, $4 / 1024 / $2, $4 / $5 }'
done <"$work/per_router"
