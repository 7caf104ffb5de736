# Sourced by the benchmarks that run bgpemud on generated topologies (convergence.sh,
# scale.sh): the binaries of BUILD_DIR (default build/), a work folder, one daemon at a
# time in $pid, and a cleanup that stops it and removes the folder on exit.
#   bench_setup NAME   # NAME: the script's, for messages and the work folder
bench_setup() {
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  build=${BUILD_DIR:-$root/build}
  bgpemud=$build/daemon/bgpemud
  ctl=$build/daemon/bgpemuctl
  gen=$build/bench/bgpemu-gen-topology
  [[ -x $bgpemud && -x $ctl && -x $gen ]] || { echo "bench/$1.sh: build first (cmake --build $build)" >&2; exit 1; }
  work=$(mktemp -d "/tmp/bgpemu-$1-XXXXXX")
  pid=
  trap bench_cleanup EXIT
}

bench_cleanup() {
  if [[ -n $pid ]]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}

# bgpemuctl on the daemon of the work folder.
c() { "$ctl" --socket "$work/bgpemud.sock" "$@"; }
