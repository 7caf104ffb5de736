#!/usr/bin/env bash
# Propagation benchmark: bgpemu, BIRD 2 and FRR bgpd through the same harness.
#
#   bash bench/run.sh                 # after: cmake --build build
#   BENCH_SIZES="100000" BENCH_RUNS=1 bash bench/run.sh
#
# For each size N, RUNS rounds, each running every device under test (DUT) once in turn
# (interleaved, so a slow moment of the shared machine falls on all of them): start the
# DUT fresh on 127.0.0.50 with two passive eBGP neighbours, let bgpemu-bench-peer inject
# N IPv4 prefixes from 127.0.0.51 and count them at 127.0.0.52, then withdraw them all
# and count them gone, read the DUT's peak resident memory (VmHWM), stop it. Prints a
# markdown table: propagation and withdrawal times (min / median / max), peak RSS and
# bytes per route ((peak - idle RSS) / N) as medians, and the medians' ratios to BIRD.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}
peer=$build/bench/bgpemu-bench-peer
bgpemud=$build/daemon/bgpemud
sizes=${BENCH_SIZES:-100000 1000000}
runs=${BENCH_RUNS:-5}
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
spread() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else printf "%s / %s / %s", v[1], v[int((NR + 1) / 2)], v[NR] }'; }

duts=()
for dut in bird bgpemu frr; do
  if available "$dut"; then duts+=("$dut"); else echo "bench: $dut not installed, skipped" >&2; fi
done
declare -A times_of withdrawals_of peaks_of per_route_of
for n in $sizes; do
  for run in $(seq 1 "$runs"); do
    for dut in "${duts[@]}"; do
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
      withdrawn=$(sed -E 's/.*"withdrawal_s":([0-9.]+).*/\1/' <<<"$out")
      echo "bench: $dut N=$n run $run: ${seconds} s, withdrawn in ${withdrawn} s, peak RSS $((peak / 1024)) MiB (idle $((idle / 1024)) MiB)" >&2
      times_of[$dut,$n]+="$seconds "
      withdrawals_of[$dut,$n]+="$withdrawn "
      peaks_of[$dut,$n]+="$peak "
      per_route_of[$dut,$n]+="$(( (peak - idle) * 1024 / n )) "
      sleep 1  # let the port leave TIME_WAIT behind
    done
  done
done

values() { tr ' ' '\n' <<<"$1" | grep -v '^$'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

echo
echo "N IPv4 prefixes from one eBGP peer to another and withdrawn again ($per_set prefixes per attribute set; $runs runs, DUTs interleaved; $(date -u +%Y-%m-%d))"
echo
echo "| DUT | N | propagation s (min / median / max) | withdrawal s (min / median / max) | peak RSS MiB | bytes/route | time vs BIRD | withdrawal vs BIRD | memory/route vs BIRD |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for n in $sizes; do
  for dut in "${duts[@]}"; do
    key="$dut,$n"
    t=$(values "${times_of[$key]}" | median) w=$(values "${withdrawals_of[$key]}" | median)
    r=$(values "${peaks_of[$key]}" | median) b=$(values "${per_route_of[$key]}" | median)
    ratio_t=- ratio_w=- ratio_b=-
    if [[ -n ${times_of[bird,$n]:-} ]]; then
      ratio_t=$(ratio "$t" "$(values "${times_of[bird,$n]}" | median)")
      ratio_w=$(ratio "$w" "$(values "${withdrawals_of[bird,$n]}" | median)")
      ratio_b=$(ratio "$b" "$(values "${per_route_of[bird,$n]}" | median)")
    fi
    printf '| %s | %s | %s | %s | %d | %s | %s | %s | %s |\n' "$dut" "$n" "$(values "${times_of[$key]}" | spread)" \
      "$(values "${withdrawals_of[$key]}" | spread)" $((r / 1024)) "$b" "$ratio_t" "$ratio_w" "$ratio_b"
  done
done
