#!/usr/bin/env bash
# ops/crash-loop.sh [ROUNDS]
#   The long version of the ledger crash test: SIGKILL a child appending under load ROUNDS times
#   (default 1000), verifying the ledger after each restart. MEDCLEAR_SEED=<n> replays a run.
# ops/crash-loop.sh --nation [CYCLES] [--bin BUILD_DIR] [--dir DIR]
#   A nation of processes (ops/nation.sh: the broker and three region processes) under hospital
#   load over HTTPS (tests/process/nation_load.cc); each cycle, after a random 0.3–3 s, one
#   region process chosen at random is SIGKILLed and restarted (CYCLES, default 1000). Then the
#   load stops, the nation goes down (each process must exit 0 on SIGTERM) and: every settlement
#   a hospital was answered with (200 + setl_id) is in the treating and the insured ledger
#   exactly once, every ledger verifies (`medclear ledger verify`) and every region pair
#   reconciles balanced (`medclear reconcile`). Seeded (the seed is printed; MEDCLEAR_SEED=<n>
#   replays the choice of regions, pauses and load, not the machine's timing). BUILD_DIR (default
#   build/release, built first) holds gateway/medclear and tests/nation_load.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

if [[ "${1:-}" != "--nation" ]]; then
  "$root/ops/build.sh" release >&2
  MEDCLEAR_CRASH_ROUNDS="${1:-1000}" "$root/build/release/tests/unit_tests" \
    --gtest_filter='LedgerCrash.*'
  exit
fi

shift
cycles=1000
build=""
dir=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --bin) build="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    *) cycles="$1"; shift ;;
  esac
done
if [[ -z "$build" ]]; then
  "$root/ops/build.sh" release medclear nation_load >&2
  build="$root/build/release"
fi
export MEDCLEAR_BIN="$build/gateway/medclear"
load_bin="$build/tests/nation_load"
seed="${MEDCLEAR_SEED:-$(( (RANDOM << 15) | RANDOM ))}"
echo "crash-loop: seed=$seed cycles=$cycles (MEDCLEAR_SEED=$seed replays)"
RANDOM=$seed
keep=1
if [[ -z "$dir" ]]; then dir="$(mktemp -d "${TMPDIR:-/tmp}/medclear-nation.XXXXXX")"; keep=0; fi
nation() { "$root/ops/nation.sh" "$@" --dir "$dir"; }
load_pid=""
finish() {
  [[ -n "$load_pid" ]] && kill -TERM "$load_pid" 2>/dev/null
  nation down > /dev/null 2>&1 || true
  if [[ $keep == 0 && "${1:-}" == ok ]]; then rm -rf "$dir"; fi
}
trap 'finish; echo "crash-loop: interrupted; the nation is in $dir" >&2; exit 1' INT TERM

nation up --regions 3 > "$dir.up" 2>&1 || { cat "$dir.up" >&2; finish; exit 1; }
rm -f "$dir.up"
read -r -a regions <<< "$(tr ',' ' ' < "$dir/regions")"
"$load_bin" --dir "$dir" --answered "$dir/answered" --threads 4 --seed "$seed" \
  > "$dir/logs/load.log" 2>&1 &
load_pid=$!

kills=0
for (( cycle = 1; cycle <= cycles; cycle++ )); do
  pause=$(( 300 + RANDOM % 2700 ))  # ms
  sleep "$(( pause / 1000 )).$(printf %03d $(( pause % 1000 )))"
  region="${regions[RANDOM % ${#regions[@]}]}"
  pid="$(cat "$dir/pids/node-$region.pid")"
  kill -KILL "$pid"
  until [[ -f "$dir/pids/node-$region.exit" ]]; do sleep 0.05; done
  kills=$((kills + 1))
  if ! nation start-region "$region" > /dev/null; then
    echo "crash-loop: cycle $cycle: region $region did not come back (logs in $dir/logs)" >&2
    finish; exit 1
  fi
  (( cycle % 50 == 0 )) && echo "crash-loop: cycle $cycle, answered $(wc -l < "$dir/answered")"
done

kill -TERM "$load_pid"
wait "$load_pid" || true
load_pid=""
tail -n 1 "$dir/logs/load.log"
sleep 1
status_line="$(nation status 2>&1 | tr '\n' ';' || true)"
if ! nation down > "$dir/down.log" 2>&1; then
  cat "$dir/down.log" >&2
  echo "crash-loop: FAIL: a process did not stop cleanly; status was: $status_line" >&2
  exit 1
fi

# The checks, on the ledgers at rest.
failed=0
bin="$MEDCLEAR_BIN"
verified=0
declare -A count
for region in "${regions[@]}"; do
  if "$bin" ledger verify --dir "$dir/ledgers/$region" > "$dir/verify-$region.log" 2>&1; then
    verified=$((verified + 1))
  else
    echo "crash-loop: FAIL: ledger $region does not verify:" >&2
    tail -n 5 "$dir/verify-$region.log" >&2
    failed=1
  fi
  # Each settlement record once per ledger: "region setl_id" → times recorded.
  "$bin" ledger dump --dir "$dir/ledgers/$region" \
    | grep -o '"setl_id":"[^"]*"' | sed "s/^\"setl_id\":\"\\(.*\\)\"$/$region \\1/" \
    | sort | uniq -c > "$dir/setl-$region.txt"
done
answered="$(wc -l < "$dir/answered")"
# Every answered settlement: once in the treating ledger, once in the insured one.
missing="$(awk 'NR == FNR { n[$2 " " $3] = $1; next }
                { if (n[$3 " " $2] != 1) print "treating", $3, $2, n[$3 " " $2] + 0;
                  if (n[$4 " " $2] != 1) print "insured", $4, $2, n[$4 " " $2] + 0 }' \
  <(cat "$dir"/setl-*.txt) "$dir/answered")"
if [[ -n "$missing" ]]; then
  echo "crash-loop: FAIL: answered settlements not exactly once (side region setl_id times):" >&2
  head -n 20 <<< "$missing" >&2
  failed=1
fi
balanced=0
pairs=0
for insured in "${regions[@]}"; do
  for treating in "${regions[@]}"; do
    [[ "$insured" == "$treating" ]] && continue
    pairs=$((pairs + 1))
    if "$bin" reconcile --day 2026-03-15 --pair "$insured,$treating" --ledgers "$dir/ledgers" \
      > "$dir/reconcile-$insured-$treating.json" 2>&1; then
      balanced=$((balanced + 1))
    else
      echo "crash-loop: FAIL: $insured,$treating does not reconcile balanced:" >&2
      head -c 2000 "$dir/reconcile-$insured-$treating.json" >&2
      failed=1
    fi
  done
done
echo "crash-loop: seed=$seed cycles=$cycles kills=$kills answered=$answered" \
  "checked=$((answered * 2)) ledgers_verified=$verified/${#regions[@]}" \
  "pairs_balanced=$balanced/$pairs"
if [[ $failed != 0 ]]; then
  echo "crash-loop: FAIL (the nation is in $dir; MEDCLEAR_SEED=$seed)" >&2
  exit 1
fi
finish ok
echo "crash-loop: ok"
