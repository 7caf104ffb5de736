#!/usr/bin/env bash
# Installs what is missing, builds bgpemu into build/ (RelWithDebInfo), and runs it.
#
#   bash contrib/scripts/run.sh [daemon arguments...]
#
# Once the daemon exists (build/daemon/bgpemud), this execs it in the foreground on
# configs/azure-interop.yaml (BGPEMU_CONFIG overrides the file; extra arguments are passed
# through). Until then it prints what the build produced. Safe to run again: configure
# and build are incremental, and deps.sh touches apt only when something is missing.
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
config=${BGPEMU_CONFIG:-configs/azure-interop.yaml}
if [[ -x $daemon ]]; then
  echo "run.sh: starting $daemon --config $config $*"
  exec "$daemon" --config "$config" "$@"
fi

echo
echo "Build summary ($build/, $(grep -m1 '^CMAKE_BUILD_TYPE:' "$build/CMakeCache.txt" | cut -d= -f2)):"
echo "  libraries:"
find "$build" -name '*.a' -not -path '*/CMakeFiles/*' -printf '    %p\n' | sort
echo "  programs:"
find "$build" -type f -executable -not -path '*/CMakeFiles/*' -printf '    %p\n' | sort
echo "  tests registered with CTest:"
ctest --test-dir "$build" -N | sed -n 's/^ *Test *#[0-9]*: /    /p'
echo
echo "The daemon (build/daemon/bgpemud) lands in a later change; today the tree builds the"
echo "wire codec and its tests. Run them with: bash contrib/scripts/test.sh"
