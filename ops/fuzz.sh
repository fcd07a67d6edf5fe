#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz, clang with ASan/UBSan) into build/fuzz and runs each
# once over its committed corpus and tests/fuzz/regressions (ctest), then fuzzes each
# for SECONDS on a copy of its committed corpus; new inputs go to a scratch folder, never into
# the repository. Prints per target the seconds run, executions and corpus size; exit 1 on any
# crash, leak, timeout or violated property, naming the input that caused it.
#   ops/fuzz.sh [SECONDS]          default 600 per target; 0 only replays corpora and regressions
#   FUZZ_TARGETS="fuzz_json fuzz_wire" ops/fuzz.sh 60    a subset
#   FUZZ_SCRATCH=DIR               where corpora and crash inputs go (default a new temp dir)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${1:-600}"
"$root/ops/install-deps.sh" --fuzz

all_targets=(fuzz_nhsa_request fuzz_fhir_claim fuzz_json fuzz_wire fuzz_ledger_entry fuzz_recon
             fuzz_reference fuzz_http_head fuzz_batch fuzz_hospital_recon_tsv)
read -r -a targets <<< "${FUZZ_TARGETS:-${all_targets[*]}}"

export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$root}" CCACHE_NOHASHDIR=1
build="$root/build/fuzz"
mkdir -p "$root/build"
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DMEDCLEAR_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo > "$build.configure.log" 2>&1 \
  || { cat "$build.configure.log"; exit 1; }
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}"

(cd "$build" && ctest --output-on-failure -R "^($(IFS='|'; echo "${targets[*]}"))_corpus\$")
[ "$seconds" -gt 0 ] || exit 0

scratch="${FUZZ_SCRATCH:-$(mktemp -d /tmp/medclear-fuzz.XXXXXX)}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
failed=0
printf '%-20s %8s %12s %8s  %s\n' target seconds execs corpus result
for t in "${targets[@]}"; do
  corpus="$scratch/$t/corpus" artifacts="$scratch/$t/crashes"
  mkdir -p "$corpus" "$artifacts"
  cp -n "$root/tests/fuzz/corpus/$t/"* "$corpus/" 2>/dev/null || true
  log="$scratch/$t/fuzz.log"
  start=$(date +%s)
  status=0
  "$build/tests/fuzz/$t" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=30 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" > "$log" 2>&1 || status=$?
  elapsed=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  size=$(find "$corpus" -type f | wc -l)
  crash=$(find "$artifacts" -type f | head -1)
  if [ "$status" -ne 0 ] || [ -n "$crash" ]; then
    failed=1
    printf '%-20s %8s %12s %8s  FAILED %s (log %s)\n' "$t" "$elapsed" "${execs:-?}" "$size" \
      "${crash:-exit $status}" "$log"
    grep -m3 -E 'ERROR|runtime error|property violated|invariant violated' "$log" || true
  else
    printf '%-20s %8s %12s %8s  ok\n' "$t" "$elapsed" "${execs:-?}" "$size"
  fi
done
echo "fuzz: scratch $scratch"
exit "$failed"
