#!/usr/bin/env bash
# Installs what is missing, builds bgpemu into build/ (RelWithDebInfo), and runs it.
#
#   bash contrib/scripts/run.sh [daemon arguments...]
#
# Runs build/daemon/bgpemud on configs/azure-interop.yaml (BGPEMU_CONFIG overrides the
# file; extra arguments go to bgpemud) with its web view on http://127.0.0.1:8179/,
# prints the speakers, the sessions, the hub VNet's effective routes and the trace from
# Location 1 to the hub VM once the topology has converged, then the web view's URL,
# and stays in the foreground until Ctrl-C. Safe to run again: configure
# and build are incremental, and deps.sh touches apt only when something is missing.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
# shellcheck source=contrib/scripts/deps.sh
source contrib/scripts/deps.sh
bgpemu_deps run

# Only what runs here: the daemon and its CLI (test.sh builds the tests, in the same tree).
build=build
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" --target bgpemud bgpemuctl

daemon=$build/daemon/bgpemud
ctl=$build/daemon/bgpemuctl
config=${BGPEMU_CONFIG:-configs/azure-interop.yaml}
# A --socket among the daemon's arguments is where bgpemuctl must look too.
args=("$@")
for ((i = 0; i + 1 < ${#args[@]}; i++)); do
  [[ ${args[i]} == --socket ]] && export BGPEMU_SOCKET=${args[i + 1]}
done
# The web view and HTTP API on localhost, changes allowed with a token made for this run
# (mode 0600, in build/): the URL printed below carries it in its #fragment, which the
# browser keeps to itself. BGPEMU_HTTP=ADDRESS:PORT moves it, BGPEMU_HTTP=off leaves it out.
http=${BGPEMU_HTTP:-127.0.0.1:8179}
http_args=()
if [[ $http != off ]]; then
  token_file=$build/http-token
  (umask 077 && head -c 24 /dev/urandom | base64 | tr '+/' '-_' >"$token_file")
  http_args=(--http "$http" --http-token-file "$token_file")
fi
echo "run.sh: starting $daemon --config $config ${http_args[*]} $*"
"$daemon" --config "$config" "${http_args[@]}" "$@" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null || true; wait "$pid"' INT TERM

# Show the topology once it has converged (bounded: 30 s): every session between two
# of its speakers Established and the routes settled.
sleep 0.5
kill -0 "$pid" 2>/dev/null || { wait "$pid"; exit $?; }
"$ctl" wait converged --timeout 30 || true
echo
"$ctl" status || true
echo
"$ctl" show sessions || true
if [[ $config == configs/azure-interop.yaml ]]; then
  echo
  "$ctl" show fib hub || true
  echo
  "$ctl" trace loc1-vm hub-vm || true
fi
echo
echo "run.sh: bgpemud is running (pid $pid); Ctrl-C stops it (Cease to every peer)."
if [[ $http != off ]]; then
  echo "        Web view (live topology, trace, matrix, link failures):"
  echo "                           http://$http/#token=$(cat "$token_file")"
  echo "        Metrics:           http://$http/metrics"
fi
echo "        In another shell:  $ctl show rib loc1-ce1 10.10.30.0/24"
echo "                           $ctl link down loc1-ce1 er1-msee1; $ctl trace loc1-vm hub-vm"
echo "        (every command: doc/reference/cli.md)"
wait "$pid"
