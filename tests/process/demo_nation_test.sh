#!/usr/bin/env bash
# The demo drives a nation of processes (`medclear demo --via https --nation DIR`): `nation init
# --simulated` with three regions, `ops/nation.sh up`, a small seeded workload from the hospitals
# over HTTPS to the region processes, reconciliation between the processes (POST /v1/recon, each
# asked by SIGUSR1), the demo stops the region processes and seals, clears and audits their
# ledgers. The demo must exit 0 with its auditor clean: claims settled, no mismatch, every pair
# reconciled balanced, every statement kept by the nodes, every ledger verified. The regions started
# again on those ledgers, a second run is refused (the nation has settled claims); then
# `ops/nation.sh down` stops everything, each process with exit 0.
# Seeded (the seed is printed; MEDCLEAR_SEED=<n> replays the workload).
# Usage: demo_nation_test.sh BUILD_DIR (holding gateway/medclear)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
export MEDCLEAR_BIN="$(realpath "$1")/gateway/medclear"
seed="${MEDCLEAR_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}"
echo "seed $seed (MEDCLEAR_SEED=$seed replays)"
dir="$(mktemp -d "${TMPDIR:-/tmp}/medclear-demo-nation.XXXXXX")"
nation() { "$root/ops/nation.sh" "$@" --dir "$dir/nation"; }
trap 'nation down > /dev/null 2>&1 || true; rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; tail -n 30 "$dir/demo.log" 2>/dev/null || true; exit 1; }

nation up --simulated --regions 3 --persons 3000 --seed 5 > "$dir/up.log" 2>&1 ||
  { cat "$dir/up.log"; fail "nation up"; }
jq -e '.regions | length == 3' "$dir/nation/simulated.json" > /dev/null || fail "simulated.json"

code=0
"$MEDCLEAR_BIN" demo --via https --nation "$dir/nation" --days 2 --claims-per-day 400 \
  --seed "$seed" --out "$dir/out" > "$dir/demo.log" 2>&1 || code=$?
[[ "$code" == 0 ]] || fail "demo --nation exited $code"
summary="$dir/out/summary.json"
jq -e '.claims_settled > 0' "$summary" > /dev/null || fail "no claim settled"
jq -e '.auditor_mismatches == 0' "$summary" > /dev/null || fail "auditor mismatches"
jq -e '.ledgers_verified == true' "$summary" > /dev/null || fail "ledgers not verified"
jq -e '.reconciliation.pairs > 0 and .reconciliation.balanced == .reconciliation.pairs' \
  "$summary" > /dev/null || fail "reconciliation not balanced"
# Both days, every ordered pair of the three regions, each kept by the region processes.
jq -e '.reconciliation.statements == 12 and .reconciliation.differences_found == 0' \
  "$summary" > /dev/null || fail "the nodes did not keep 2 days x 6 pairs of statements"
jq -e --arg nation "$(realpath "$dir/nation")" '.nation == $nation and .via == "https"' \
  "$summary" > /dev/null || fail "summary does not name the nation"
[[ -s "$dir/out/reference.json" ]] || fail "no reference.json"
cmp -s "$dir/out/reference.json" "$dir/nation/reference.json" || fail "reference.json differs"
for region in $(tr ',' ' ' < "$dir/nation/regions"); do
  grep -q "^reconcile day=2026-03-02$" "$dir/nation/logs/node-$region.log" ||
    fail "region $region was not asked to reconcile 2026-03-02"
  "$MEDCLEAR_BIN" ledger verify --dir "$dir/out/ledgers/$region" > /dev/null ||
    fail "ledger $region does not verify"
done

# The demo stopped the region processes (exit 0); started again, they hold settled claims now, so a
# second run is refused before it sends anything.
for region in $(tr ',' ' ' < "$dir/nation/regions"); do
  [[ "$(cat "$dir/nation/pids/node-$region.exit")" == 0 ]] || fail "region $region did not exit 0"
  nation start-region "$region" > /dev/null 2>&1 || fail "region $region does not start again"
done
code=0
"$MEDCLEAR_BIN" demo --nation "$dir/nation" --days 1 --claims-per-day 10 --out "$dir/out2" \
  > "$dir/demo2.log" 2>&1 || code=$?
[[ "$code" != 0 ]] && grep -q "has settled claims already" "$dir/demo2.log" ||
  { cat "$dir/demo2.log"; fail "a second run against the same nation was not refused"; }
nation down > "$dir/down.log" 2>&1 || { cat "$dir/down.log"; fail "nation down"; }
echo "demo_nation: $(jq -r '"settled=\(.claims_settled) pairs=\(.reconciliation.pairs) balanced=\(.reconciliation.balanced) statements=\(.reconciliation.statements) mismatches=\(.auditor_mismatches)"' "$summary")"
