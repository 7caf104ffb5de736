#!/usr/bin/env bash
# Propagation benchmark: bgpemu, BIRD 2 and FRR bgpd through the same harness.
#
#   bash bench/run.sh                 # after: cmake --build build
#   BENCH_SIZES="100000" BENCH_RUNS=1 bash bench/run.sh
#
# For each device under test (DUT) and each size N, RUNS times: start the DUT fresh on
# 127.0.0.50 with two passive eBGP neighbours, let bgpemu-bench-peer inject N IPv4
# prefixes from 127.0.0.51 and count them at 127.0.0.52, read the DUT's peak resident
# memory (VmHWM), stop it. Prints a markdown table: median propagation time, peak RSS,
# bytes per route ((peak - idle RSS) / N) and the ratios to BIRD.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}
peer=$build/bench/bgpemu-bench-peer
bgpemud=$build/daemon/bgpemud
sizes=${BENCH_SIZES:-100000 1000000}
runs=${BENCH_RUNS:-3}
per_set=${BENCH_PREFIXES_PER_SET:-10}
port=${BENCH_PORT:-24179}
dut_address=127.0.0.50

[[ -x $peer && -x $bgpemud ]] || { echo "bench/run.sh: build first (cmake --build $build)" >&2; exit 1; }

# Every DUT runs with glibc's transparent-huge-page tunable, which bgpemud sets for
# itself anyway (daemon/main.cpp): the same allocator conditions for all three.
export GLIBC_TUNABLES=glibc.malloc.hugetlb=1

work=$(mktemp -d /tmp/bgpemu-bench-XXXXXX)
chmod 777 "$work"
dut_pid=
cleanup() {
  if [[ -n $dut_pid ]]; then kill -TERM "$dut_pid" 2>/dev/null || true; wait "$dut_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

kib() { awk -v key="$2:" '$1 == key { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

wait_listening() {  # wait_listening PORT: up to 20 s for the DUT's listener
  for _ in $(seq 1 100); do
    ss -ltn "sport = :$1" 2>/dev/null | grep -q LISTEN && return 0
    sleep 0.2
  done
  return 1
}

start_bgpemu() {
  cat >"$work/bgpemu.yaml" <<EOF
speakers:
  - name: dut
    asn: 65000
    router_id: 10.0.0.50
    ebgp_requires_policy: false
    listen: $dut_address:$port
    neighbors:
      - {name: injector, address: 127.0.0.51, asn: 65001, passive: true, hold_time: 240}
      - {name: receiver, address: 127.0.0.52, asn: 65002, passive: true, hold_time: 240}
EOF
  "$bgpemud" --config "$work/bgpemu.yaml" --socket "$work/bgpemud.sock" --log-level warning \
    >"$work/dut.log" 2>&1 &
  dut_pid=$!
}

start_bird() {
  cat >"$work/bird.conf" <<EOF
router id 10.0.0.50;
protocol device { }
protocol bgp injector {
  local $dut_address port $port as 65000; neighbor 127.0.0.51 as 65001;
  passive on; multihop; strict bind on; hold time 240;
  ipv4 { import all; export none; };
}
protocol bgp receiver {
  local $dut_address port $port as 65000; neighbor 127.0.0.52 as 65002;
  passive on; multihop; strict bind on; hold time 240;
  ipv4 { import none; export all; };
}
EOF
  bird -f -c "$work/bird.conf" -s "$work/bird.ctl" -P "$work/bird.pid" >"$work/dut.log" 2>&1 &
  dut_pid=$!
}

start_frr() {
  mkdir -p "$work/frr" && chmod 777 "$work/frr"
  cat >"$work/frr/bgpd.conf" <<EOF
frr defaults traditional
router bgp 65000
 bgp router-id 10.0.0.50
 no bgp ebgp-requires-policy
 neighbor 127.0.0.51 remote-as 65001
 neighbor 127.0.0.51 passive
 neighbor 127.0.0.51 ebgp-multihop 2
 neighbor 127.0.0.52 remote-as 65002
 neighbor 127.0.0.52 passive
 neighbor 127.0.0.52 ebgp-multihop 2
EOF
  chmod 666 "$work/frr/bgpd.conf"
  /usr/lib/frr/bgpd -f "$work/frr/bgpd.conf" -p "$port" -l "$dut_address" -Z -S -P 0 \
    --vty_socket "$work/frr" -i "$work/frr/bgpd.pid" >"$work/dut.log" 2>&1 &
  dut_pid=$!
}

available() {
  case $1 in
    bgpemu) return 0 ;;
    bird) command -v bird >/dev/null ;;
    frr) [[ -x /usr/lib/frr/bgpd ]] ;;
  esac
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else print v[int((NR + 1) / 2)] }'; }

declare -A time_of rss_of bpr_of
results=()
for n in $sizes; do
  for dut in bird bgpemu frr; do
    if ! available "$dut"; then
      echo "bench: $dut not installed, skipped" >&2
      continue
    fi
    times=() peaks=() per_route=()
    for run in $(seq 1 "$runs"); do
      "start_$dut"
      if ! wait_listening "$port"; then
        echo "bench: $dut did not listen on $dut_address:$port" >&2; cat "$work/dut.log" >&2; exit 1
      fi
      sleep 0.5
      idle=$(kib "$dut_pid" VmRSS)
      if ! out=$("$peer" --dut "$dut_address:$port" --dut-as 65000 --prefixes "$n" \
        --prefixes-per-set "$per_set" --timeout 600); then
        echo "bench: $dut failed at N=$n; its log:" >&2; tail -20 "$work/dut.log" >&2; exit 1
      fi
      peak=$(kib "$dut_pid" VmHWM)
      kill -TERM "$dut_pid" 2>/dev/null || true
      wait "$dut_pid" 2>/dev/null || true
      dut_pid=
      seconds=$(sed -E 's/.*"propagation_s":([0-9.]+).*/\1/' <<<"$out")
      echo "bench: $dut N=$n run $run: ${seconds} s, peak RSS $((peak / 1024)) MiB (idle $((idle / 1024)) MiB)" >&2
      times+=("$seconds")
      peaks+=("$peak")
      per_route+=("$(( (peak - idle) * 1024 / n ))")
      sleep 1  # let the port leave TIME_WAIT behind
    done
    time_of[$dut,$n]=$(printf '%s\n' "${times[@]}" | median)
    rss_of[$dut,$n]=$(printf '%s\n' "${peaks[@]}" | median)
    bpr_of[$dut,$n]=$(printf '%s\n' "${per_route[@]}" | median)
    results+=("$dut,$n")
  done
done

echo
echo "Propagation of N IPv4 prefixes from one eBGP peer to another ($per_set prefixes per attribute set; median of $runs; $(date -u +%Y-%m-%d))"
echo
echo "| DUT | N | propagation s | peak RSS MiB | bytes/route | time vs BIRD | memory/route vs BIRD |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
for key in "${results[@]}"; do
  dut=${key%,*} n=${key#*,}
  t=${time_of[$key]} r=${rss_of[$key]} b=${bpr_of[$key]}
  tb=${time_of[bird,$n]:-} bb=${bpr_of[bird,$n]:-}
  ratio_t=- ratio_b=-
  [[ -n $tb ]] && ratio_t=$(awk -v a="$t" -v b="$tb" 'BEGIN { printf "%.2f", a / b }')
  [[ -n $bb && $bb -gt 0 ]] && ratio_b=$(awk -v a="$b" -v b="$bb" 'BEGIN { printf "%.2f", a / b }')
  printf '| %s | %s | %s | %d | %s | %s | %s |\n' "$dut" "$n" "$t" $((r / 1024)) "$b" "$ratio_t" "$ratio_b"
done
