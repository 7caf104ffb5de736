#!/usr/bin/env bash
# A long fuzzing session for maintainers (test.sh runs each target for 30 s only).
#
#   bash contrib/scripts/fuzz-long.sh [TARGET] [MINUTES] [libFuzzer options...]
#   bash contrib/scripts/fuzz-long.sh decode_message 60
#
# TARGET is NAME in tests/fuzz/fuzz_NAME.cpp (default decode_message); MINUTES defaults
# to 60. Builds build-fuzz/ if needed, fuzzes a copy of tests/fuzz/corpus/TARGET/ in
# build-fuzz/fuzz-long/TARGET-TIMESTAMP/, and keeps crashing inputs in its crashes/.
# BGPEMU_FUZZ_JOBS=N runs N fuzzing processes side by side (default 1; the machine has 2 cores).
# The committed corpus is never written; to fold new coverage back in, minimise with
#   build-fuzz/tests/fuzz/fuzz_TARGET -merge=1 tests/fuzz/corpus/TARGET WORKDIR/corpus
# and review what it adds before committing.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

target=${1:-decode_message}
minutes=${2:-60}
shift $(($# < 2 ? $# : 2))
jobs=${BGPEMU_FUZZ_JOBS:-1}

if [[ ! -f tests/fuzz/fuzz_$target.cpp || ! -d tests/fuzz/corpus/$target ]]; then
  echo "fuzz-long.sh: no target '$target' (want tests/fuzz/fuzz_$target.cpp and tests/fuzz/corpus/$target/)" >&2
  exit 2
fi
[[ $minutes =~ ^[0-9]+$ ]] || { echo "fuzz-long.sh: MINUTES must be a whole number" >&2; exit 2; }

# shellcheck source=contrib/scripts/deps.sh
source contrib/scripts/deps.sh
bgpemu_deps test

cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DBGPEMU_FUZZ=ON -DBGPEMU_WERROR=OFF >/dev/null
cmake --build build-fuzz --target "fuzz_$target"

work=$root/build-fuzz/fuzz-long/$target-$(date +%Y%m%d-%H%M%S)
mkdir -p "$work/corpus" "$work/crashes"
cp -R "tests/fuzz/corpus/$target/." "$work/corpus/"
echo "fuzz-long.sh: fuzz_$target for $minutes min, $jobs job(s), in $work"

status=0
parallel=()
((jobs <= 1)) || parallel=(-jobs="$jobs" -workers="$jobs")
# From inside $work, where libFuzzer also leaves its per-job logs (fuzz-N.log) when jobs > 1.
(cd "$work" && "$root/build-fuzz/tests/fuzz/fuzz_$target" -max_total_time=$((minutes * 60)) -max_len=65536 \
  -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/crashes/" "${parallel[@]}" "$@" \
  corpus) 2>&1 | tee "$work/log" || status=$?

echo
echo "corpus: $(find "$work/corpus" -type f | wc -l) inputs (started from $(find "tests/fuzz/corpus/$target" -type f | wc -l))"
if compgen -G "$work/crashes/*" >/dev/null; then
  echo "CRASHES kept in $work/crashes/:"
  ls -l "$work/crashes/"
  echo "reproduce with: build-fuzz/tests/fuzz/fuzz_$target FILE"
  exit 1
fi
echo "no crashes"
exit "$status"
