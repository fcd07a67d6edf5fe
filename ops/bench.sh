#!/usr/bin/env bash
# Builds the release tree, runs every benchmark of BENCHMARKS.md and prints ONE markdown table:
# each row with its same-run reference and the ratio to it, the aim, and the machine it ran on.
# Every program's whole output stays in the log folder named at the end.
#   ops/bench.sh            the full run (about 7 minutes on 2 idle cores; 13 while other builds ran)
#   ops/bench.sh --quick    smaller counts, 5-region demo (about 4 minutes), for a first look
# Environment: MEDCLEAR_BENCH_SETTLEMENTS (ledger, 200000), MEDCLEAR_BENCH_CONNECTIONS (HTTPS, 256),
# MEDCLEAR_BENCH_SECONDS (each HTTPS run, 10), MEDCLEAR_BENCH_SKIP ("demo reconcile": rows left out),
# MEDCLEAR_BENCH_LEDGER_BATCHES (the ledger's batch sizes, 1000; the table reads 1000).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
quick=0
case "${1:-}" in
  --quick) quick=1 ;;
  "") ;;
  *) echo "usage: ops/bench.sh [--quick]" >&2; exit 2 ;;
esac
"$root/ops/build.sh" release bench_engine bench_ledger bench_node bench_gateway bench_load \
  bench_reconcile medclear >&2
bin="$root/build/release/tests/bench"
medclear="$root/build/release/gateway/medclear"
logs="${TMPDIR:-/tmp}/medclear-bench-logs"
rm -rf "$logs" && mkdir -p "$logs"
skip=" ${MEDCLEAR_BENCH_SKIP:-} "

if [[ $quick == 1 ]]; then
  settlements="${MEDCLEAR_BENCH_SETTLEMENTS:-50000}" batches=1000 node_claims=20000 node_seconds=3
  seconds="${MEDCLEAR_BENCH_SECONDS:-4}" recon=1000000 reps=3 demo=(--regions 5)
else
  settlements="${MEDCLEAR_BENCH_SETTLEMENTS:-200000}" batches=1000 node_claims=60000
  node_seconds=5 seconds="${MEDCLEAR_BENCH_SECONDS:-10}" recon=10000000 reps=5 demo=()
fi
connections="${MEDCLEAR_BENCH_CONNECTIONS:-256}"

# key=value of a "RESULT ..." line
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<< "$1"; }
# 12345.6 → 12,346
num() { printf "%.0f" "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "—" }'; }
run() {  # run NAME COMMAND...: its output into the log folder, a line on stderr
  local name="$1"; shift
  echo "bench: $name: $*" >&2
  local started=$SECONDS
  "$@" > "$logs/$name.log" 2>&1 || echo "bench: $name exited $? (see $logs/$name.log)" >&2
  echo "bench: $name took $((SECONDS - started)) s" >&2
}
rows=()
row() { rows+=("| $1 | $2 | $3 | $4 | $5 | $6 |"); }

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"

# Ledger: one writer, synced batches; the reference writes the same keys and bytes to RocksDB.
MEDCLEAR_BENCH_LEDGER_BATCHES="${MEDCLEAR_BENCH_LEDGER_BATCHES:-$batches}" run ledger "$bin/bench_ledger" "$settlements"
read -r _ plain ledger _ < <(awk '$1 == 1000' "$logs/ledger.log") || plain=0 ledger=0
row "ledger, batch 1,000, synced (\`bench_ledger $settlements\`)" "$(num "$ledger") settlements/s" \
  "plain RocksDB, same keys and bytes: $(num "$plain")/s" "$(ratio "$ledger" "$plain")" \
  "" "—"

# Node path: saturation, then offered at fractions of it; reference: the same run's saturation.
run node "$bin/bench_node" "$node_claims" --fractions 0.25,0.5,0.8 --seconds "$node_seconds"
saturation=""
while read -r line; do
  rate="$(field "$line" per_s)" offered="$(field "$line" offered)"
  latency="p50 $(field "$line" p50) / p90 $(field "$line" p90) / p99 $(field "$line" p99) ms"
  cpu="CPU $(field "$line" cpu_pct) % of one core"
  if [[ "$(field "$line" mode)" == saturation ]]; then
    saturation="$rate"
    row "node path, 3 regions, saturation ($(num "$(field "$line" claims)") claims)" \
      "$(num "$rate") claims/s" "—" "—" "≥ 66,000 claims/s" "$latency; $cpu"
  else
    row "node path, offered $(num "$offered")/s ($(ratio "$offered" "$saturation") × saturation)" \
      "$(num "$rate") claims/s" "saturation, same run: $(num "$saturation")/s" \
      "$(ratio "$rate" "$saturation")" "p99 < 100 ms at 0.8 ×" "$latency; $cpu"
  fi
done < <(grep '^RESULT bench=node' "$logs/node.log")

# HTTPS: server and load generator in two processes; reference: GET /healthz in the same run.
run gateway "$bin/bench_gateway" --seconds "$seconds" --connections "$connections" \
  --fractions 0.5,0.8
healthz=""
while read -r line; do
  rate="$(field "$line" per_s)"
  latency="p50 $(field "$line" p50) / p90 $(field "$line" p90) / p99 $(field "$line" p99) ms"
  cpu="load generator $(field "$line" load_cpu_pct) %, server $(field "$line" server_cpu_pct) % of one core"
  statuses="statuses $(field "$line" statuses), $(field "$line" errors) errors"
  if [[ "$(field "$line" path)" == healthz ]]; then
    healthz="$rate"
    row "HTTPS \`GET /healthz\`, closed loop, $connections connections" "$(num "$rate") requests/s" \
      "—" "—" "" "$latency; $cpu"
  elif [[ "$(field "$line" mode)" == closed ]]; then
    row "HTTPS settlements \`POST /v1/nhsa\`, closed loop, $connections connections" \
      "$(num "$rate") settled/s" "\`/healthz\`, same run: $(num "$healthz")/s" \
      "$(ratio "$rate" "$healthz")" "≥ 20,000/s, ≥ 0.3 × healthz" "$latency; $cpu; $statuses"
  else
    row "HTTPS settlements, offered $(num "$(field "$line" offered)")/s" \
      "$(num "$rate") settled/s" "\`/healthz\`, same run: $(num "$healthz")/s" \
      "$(ratio "$rate" "$healthz")" "p99 < 20 ms at 20,000/s" "$latency; $cpu; $statuses"
  fi
done < <(grep '^RESULT bench=gateway' "$logs/gateway.log")

# The nation in one process and over HTTPS; the in-process run is the HTTPS run's reference.
if [[ "$skip" != *" demo "* ]]; then
  run demo "$medclear" demo --bench --seed 11 "${demo[@]}" --out "$logs/demo-out"
  run demo-https "$medclear" demo --bench --via https --seed 11 "${demo[@]}" \
    --out "$logs/demo-https-out"
  in_process="$(sed -n 's/.*overall, sustained \([0-9]*\) requests.*/\1/p' "$logs/demo.log")"
  via_https="$(sed -n 's/.*overall, sustained \([0-9]*\) requests.*/\1/p' "$logs/demo-https.log")"
  regions="$(sed -n 's/^bench: \([0-9]*\) regions.*/\1/p' "$logs/demo.log")"
  row "\`medclear demo --bench\`, $regions regions in process (sustained)" \
    "$(num "${in_process:-0}") requests/s" "none" "—" "" "$(grep '^bench:' "$logs/demo.log" | cut -c8-)"
  row "\`medclear demo --bench --via https\`, $regions regions (sustained)" \
    "$(num "${via_https:-0}") requests/s" "in process, same run: $(num "${in_process:-0}")/s" \
    "$(ratio "${via_https:-0}" "${in_process:-0}")" "" \
    "$(grep '^bench:' "$logs/demo-https.log" | cut -c8-)"
fi

# Idle: 31 region nodes of one process (the demo's 2 partitions a topic), no claims; and the same
# with librdkafka fetching every 100 ms instead of 10 (the embedded broker has no long poll).
run idle "$bin/bench_idle" 31 10
run idle-100 "$bin/bench_idle" 31 10 fetch.wait.max.ms=100
idle="$(sed -n 's/.*= \([0-9.]*\) % of one core.*/\1/p' "$logs/idle.log")"
idle_100="$(sed -n 's/.*= \([0-9.]*\) % of one core.*/\1/p' "$logs/idle-100.log")"
row "31 idle region nodes, one process (\`bench_idle 31 10\`)" "${idle:-?} % of one core" \
  "fetch.wait.max.ms=100, same run: ${idle_100:-?} %" "—" "< 5 %" \
  "default fetch.wait.max.ms=10: the embedded broker answers an empty fetch after that wait"

# The NHSA parse; reference: Boost.JSON's parse of the same body (CPU time, median).
run engine "$bin/bench_engine" --benchmark_repetitions="$reps" \
  --benchmark_report_aggregates_only=true --benchmark_format=csv
median() { awk -F, -v n="\"$1_median\"" '$1 == n { print $7 }' "$logs/engine.log"; }
ours="$(median BM_ParseNhsaTenLines)" boost="$(median BM_BoostJsonParseNhsaBody)"
row "NHSA parse, 10 lines (\`BM_ParseNhsaTenLines\`)" "$(num "$ours") parses/s" \
  "Boost.JSON \`parse\`, same body: $(num "$boost")/s" "$(ratio "$ours" "$boost")" "" \
  "median of $reps, CPU time; decide $(num "$(median BM_EngineDecideTenLines)")/s"

# Reconciliation: no same-run reference (the aim is absolute: 5 s for 10 M claims a side).
if [[ "$skip" != *" reconcile "* ]]; then
  run reconcile "$bin/bench_reconcile" "$recon" 1000
  total="$(sed -n 's/.*total: \([0-9.]*\) s.*/\1/p' "$logs/reconcile.log")"
  row "reconciliation, $(num "$recon") claims a side, 1,000 differences" "${total:-?} s" "none" \
    "—" "< 5 s (10 M)" "$(grep -h '^mode=\|^bytes' "$logs/reconcile.log" | tr '\n' ' ')"
fi

cpu_model="$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)"
rev="$(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- || echo '+changes')"
echo
echo "Machine: $(nproc) × $cpu_model, $(free -g | awk '/^Mem:/ { print $2 }') GiB;" \
  "$(date -u '+%Y-%m-%d %H:%M UTC'); git $rev; load average before $load_before," \
  "after $(cut -d' ' -f1-3 /proc/loadavg)$([[ $quick == 1 ]] && echo '; --quick')"
echo
echo "| what | result | same-run reference | ratio | aim | latency, CPU, notes |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "Logs: $logs"
