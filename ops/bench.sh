#!/usr/bin/env bash
# Builds and runs the benchmark programs; numbers go to BENCHMARKS.md by hand, with the machine.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/ops/build.sh" release >&2
"$root/build/release/tests/bench/bench_engine" --benchmark_repetitions=5 \
  --benchmark_report_aggregates_only=true "$@"
"$root/build/release/tests/bench/bench_ledger" "${MEDCLEAR_BENCH_SETTLEMENTS:-200000}"
"$root/build/release/tests/bench/bench_node" 60000
"$root/build/release/tests/bench/bench_gateway" 10 512 1
"$root/build/release/tests/bench/bench_gateway" 8 64 1 healthz
# The whole nation in one process, in process and over HTTPS: the last line of each is "bench: …".
"$root/build/release/gateway/medclear" demo --bench --seed 11 --out "${TMPDIR:-/tmp}/medclear-bench" | tail -1
"$root/build/release/gateway/medclear" demo --bench --via https --seed 11 --out "${TMPDIR:-/tmp}/medclear-bench-https" | tail -1
