#!/usr/bin/env bash
# Installs what is missing, then runs every test tier that exists today:
#
#   1. build/       RelWithDebInfo build, the whole CTest suite (-j6, BGPEMU_CTEST_JOBS)
#   2. build-asan/  ASan+UBSan Debug build (BGPEMU_SANITIZE=ON), the whole CTest suite
#                   again: the unit tests, and the integration tests against a sanitized
#                   bgpemud (an error or a leak makes it exit non-zero, failing the test)
#   3. build-fuzz/  clang + libFuzzer Debug build (BGPEMU_FUZZ=ON) of the fuzz targets only,
#                   all of them run side by side for BGPEMU_FUZZ_SECONDS (default 30),
#                   each on a copy of its committed corpus
#
# Each tree builds only what its tier runs (no benchmarks under the sanitizers), through
# ccache when it is installed (BGPEMU_CCACHE=0 turns that off, for timing a cold build).
# A tier's CTest run goes on beside the next tier's build (the suite mostly waits on
# timers and peers, the build on the CPU), and its output is printed when it is done;
# the fuzz runs, which take both cores, start only after the sanitized suite.
#
# Every phase runs even if an earlier one failed (a phase is skipped only when the build
# it needs failed), so one run shows everything that is wrong. The last line is
# "N passed, N failed" (", N skipped" added when CTest skipped any): CTest's counts over
# both runs plus one per fuzz run; a build that fails counts as one failure. The exit
# status is non-zero when anything failed.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

jobs=${BGPEMU_TEST_JOBS:-2}
# The integration tests mostly wait on timers and peers (a run of the suite uses a tenth
# of a core), each on loopback addresses of its own, so CTest runs more of them at once
# than there are cores.
ctest_jobs=${BGPEMU_CTEST_JOBS:-6}
fuzz_seconds=${BGPEMU_FUZZ_SECONDS:-30}

passed=0
failed=0
skipped=0
phase_lines=()
summary_printed=0

print_summary() {
  summary_printed=1
  echo
  echo "==== test.sh phases ===="
  local line
  for line in "${phase_lines[@]}"; do echo "  $line"; done
  local counts="$passed passed, $failed failed"
  ((skipped == 0)) || counts+=", $skipped skipped"
  echo "$counts"
}

on_exit() {
  local status=$?
  if ((summary_printed == 0)); then
    # Something outside a phase failed (errexit); say so in the counts CI reads.
    ((status == 0)) || failed=$((failed + 1))
    phase_lines+=("test.sh stopped early (exit $status)")
    print_summary
  fi
  exit "$status"
}
trap on_exit EXIT

# phase NAME COMMAND...: runs one phase, records its duration and result; never aborts.
# (Bash ignores errexit inside a function called from a condition, so the phase
# functions below check each step themselves.)
phase() {
  local name=$1
  shift
  echo
  echo "==== $name ===="
  local start=$SECONDS status=0
  "$@" || status=$?
  local result=ok
  ((status == 0)) || result="FAILED (exit $status)"
  phase_lines+=("$(printf '%-24s %5ds  %s' "$name" $((SECONDS - start)) "$result")")
  return "$status"
}

skip_phase() {
  phase_lines+=("$(printf '%-24s %5s   %s' "$1" - "skipped: $2")")
}

launcher=()
if [[ ${BGPEMU_CCACHE:-1} != 0 ]] && command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
# Line tables (-g1) instead of full debug information: a failed test's backtrace and a
# sanitizer's report need no more, and the trees compile a quarter faster.
debug_info=(-DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" -DCMAKE_CXX_FLAGS_DEBUG="-g1")

build_tree() {  # build_tree DIR BUILD_TYPE CMAKE_ARGS...
  local dir=$1 type=$2
  shift 2
  # BUILD_TESTING on: run.sh configures build/ without the tests.
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" -DBUILD_TESTING=ON "${launcher[@]}" "${debug_info[@]}" "$@" || return 1
  cmake --build "$dir" -j "$jobs" || return 1
}

# A failed build is one failure in the counts, so the closing line never reads as clean.
build_phase() {
  if phase "$@"; then return 0; fi
  failed=$((failed + 1))
  return 1
}

# Adds one CTest run's "X tests failed out of Y" (and its skipped list) to the counts.
count_ctest() {
  local log=$1 line total failures skips
  line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1 || true)
  if [[ -z $line ]]; then
    echo "test.sh: no CTest summary in $log (no tests found?)" >&2
    failed=$((failed + 1))
    return 1
  fi
  failures=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
  total=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$line")
  skips=$(grep -cE '^[[:space:]]+[0-9]+ - .*\(Skipped\)' "$log" || true)
  passed=$((passed + total - failures - skips))
  failed=$((failed + failures))
  skipped=$((skipped + skips))
}

# ctest_start DIR: the tree's CTest suite in the background, its output in
# DIR/test-sh-ctest.log; ctest_finish DIR NAME waits for it, prints that output and
# counts it as the phase NAME (its time runs from the start).
declare -A ctest_pid ctest_started
ctest_start() {
  local dir=$1
  ctest_started[$dir]=$SECONDS
  ctest --test-dir "$dir" --output-on-failure -j "$ctest_jobs" >"$dir/test-sh-ctest.log" 2>&1 &
  ctest_pid[$dir]=$!
}

ctest_finish() {
  local dir=$1 name=$2 status=0
  wait "${ctest_pid[$dir]}" || status=$?
  echo
  echo "==== $name ===="
  cat "$dir/test-sh-ctest.log"
  count_ctest "$dir/test-sh-ctest.log" || status=1
  local result=ok
  ((status == 0)) || result="FAILED (exit $status)"
  phase_lines+=("$(printf '%-24s %5ds  %s' "$name" $((SECONDS - ctest_started[$dir])) "$result")")
}

# The fuzz targets are tests/fuzz/fuzz_NAME.cpp; each has its seeds in tests/fuzz/corpus/NAME/.
fuzz_targets() {
  local source
  for source in tests/fuzz/fuzz_*.cpp; do
    [[ -e $source ]] || continue
    source=${source##*/fuzz_}
    echo "${source%.cpp}"
  done
}

fuzz_build() {
  local -a targets=()
  local name
  for name in $(fuzz_targets); do targets+=(--target "fuzz_$name"); done
  ((${#targets[@]} > 0)) || { echo "no fuzz targets in tests/fuzz" >&2; return 1; }
  # clang's warning set differs from g++'s; the -Werror gate is the g++ build above.
  # Debug (-O0): half the compile time of -O2 under clang's sanitizers and coverage, and
  # fast enough for a 30 s smoke run (contrib/scripts/fuzz-long.sh builds -O2 for hours).
  cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ \
    "${launcher[@]}" "${debug_info[@]}" -DBGPEMU_FUZZ=ON -DBGPEMU_WERROR=OFF -DBGPEMU_BENCH=OFF || return 1
  cmake --build build-fuzz -j "$jobs" "${targets[@]}" || return 1
}

# fuzz_run NAME: a bounded run on a copy, so the committed corpus stays as it is. Runs in
# the background (see fuzz_all), so it reports through its exit status and output only.
fuzz_run() {
  local name=$1
  local binary=build-fuzz/tests/fuzz/fuzz_$name
  local work=build-fuzz/fuzz-run/$name
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts"
  cp -R "tests/fuzz/corpus/$name/." "$work/corpus/"
  local seeds status=0
  seeds=$(find "$work/corpus" -type f | wc -l)
  "$binary" -max_total_time="$fuzz_seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$root/$work/artifacts/" "$work/corpus" >"$work/log" 2>&1 || status=$?
  local runs rate elapsed
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -n 1)
  elapsed=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$work/log" | tail -n 1)
  echo "fuzz_$name: ${runs:-?} runs in ${elapsed:-?} s (${rate:-?} exec/s), corpus $seeds -> $(find "$work/corpus" -type f | wc -l) inputs, exit $status"
  if ((status != 0)); then
    tail -n 60 "$work/log"
    echo "crash inputs kept in $work/artifacts/:"
    ls -l "$work/artifacts/"
  fi
  return "$status"
}

# fuzz_all: every target at once (the runs are bounded by time, not by work, so running
# them side by side costs one run's time), then each one's report in turn; one count each.
fuzz_all() {
  local -a names=() pids=()
  local name index status=0
  for name in $(fuzz_targets); do
    names+=("$name")
    fuzz_run "$name" >"build-fuzz/fuzz-$name.report" 2>&1 &
    pids+=($!)
  done
  for index in "${!names[@]}"; do
    if wait "${pids[index]}"; then
      passed=$((passed + 1))
    else
      failed=$((failed + 1))
      status=1
    fi
    cat "build-fuzz/fuzz-${names[index]}.report"
  done
  return "$status"
}

phase "deps (test set)" bash contrib/scripts/deps.sh test || exit 1

if build_phase "build build/" build_tree build RelWithDebInfo; then
  ctest_start build
else
  skip_phase "ctest build/" "build failed"
fi

# Debug (-O0, assertions on): with sanitizers it builds about three times faster than
# RelWithDebInfo on two cores, and the unit tests run as fast either way.
asan_built=0
if build_phase "build build-asan/" build_tree build-asan Debug -DBGPEMU_SANITIZE=ON -DBGPEMU_BENCH=OFF; then
  asan_built=1
fi
[[ -z ${ctest_pid[build]:-} ]] || ctest_finish build "ctest build/"
if ((asan_built)); then
  ctest_start build-asan
else
  skip_phase "ctest build-asan/" "build failed"
fi

fuzz_built=0
if build_phase "build build-fuzz/" fuzz_build; then
  fuzz_built=1
fi
[[ -z ${ctest_pid[build-asan]:-} ]] || ctest_finish build-asan "ctest build-asan/"
if ((fuzz_built)); then
  phase "fuzz, ${fuzz_seconds}s each" fuzz_all || true
else
  skip_phase "fuzz runs" "build failed"
fi

print_summary
((failed == 0))
