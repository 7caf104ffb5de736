#!/usr/bin/env bash
# Installs what is missing, builds bgpemu into build/ (RelWithDebInfo), and runs it.
#
#   bash contrib/scripts/run.sh [daemon arguments...]
#
# Runs build/daemon/bgpemud on configs/azure-interop.yaml (BGPEMU_CONFIG overrides the
# file; extra arguments go to bgpemud), prints the speakers, sessions and the hub
# gateway's routes once the sessions have settled, and stays in the foreground until
# Ctrl-C. Safe to run again: configure and build are incremental, and deps.sh touches
# apt only when something is missing.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
# shellcheck source=contrib/scripts/deps.sh
source contrib/scripts/deps.sh
bgpemu_deps run

build=build
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build"

daemon=$build/daemon/bgpemud
ctl=$build/daemon/bgpemuctl
config=${BGPEMU_CONFIG:-configs/azure-interop.yaml}
echo "run.sh: starting $daemon --config $config $*"
"$daemon" --config "$config" "$@" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null || true; wait "$pid"' INT TERM

# Show the topology once its sessions have settled: the number of Established sessions
# unchanged for three polls in a row (bounded: 20 s).
last=-1
steady=0
for _ in $(seq 1 40); do
  sleep 0.5
  kill -0 "$pid" 2>/dev/null || { wait "$pid"; exit $?; }
  now=$("$ctl" show sessions 2>/dev/null | grep -c Established || true)
  if [[ $now == "$last" && $now -gt 0 ]]; then
    steady=$((steady + 1))
    ((steady >= 3)) && break
  else
    steady=0
  fi
  last=$now
done
echo
"$ctl" status || true
echo
"$ctl" show sessions || true
echo
"$ctl" show rib hub-ergw 2>/dev/null || true
echo
echo "run.sh: bgpemud is running (pid $pid); Ctrl-C stops it (Cease to every peer)."
echo "        In another shell: $ctl show rib loc1-ce1 10.10.30.0/24   (see README, \"The CLI\")"
wait "$pid"
