#!/usr/bin/env bash
# tests/process/stuck_peer_test.sh BUILD_DIR (issue 16: a stuck peer region must not block others)
# Three region processes A, B, C (ops/nation.sh). Hospital load between A and B only
# (nation_load --regions A,B) is measured for MEASURE_S seconds; then region C's process is
# SIGSTOPped (stuck: it keeps its sockets and its Kafka membership but does nothing), claims of
# people insured in C are sent at A (they may be answered 202 pending, resent with the same msgid),
# and the A↔B rate is measured again. Pass: the A↔B rate while C is stuck is at least
# MIN_RATIO_PERCENT (50) % of the rate before: a functional check that C does not block the
# others, not a benchmark (the machine's noise moves it by tens of percent, a blocking bug drops
# it to near zero); no A↔B claim refused (rejected or 503); C not settling anything while stopped;
# after SIGCONT every claim involving C settled (resent until 200) and in both ledgers; every
# process exits 0 on `down` and every ledger verifies. Every process is stopped on exit (C
# SIGCONTed first), also on failure; the nation's directory is kept on failure.
# MEDCLEAR_SEED=<n> replays the load (not the machine's timing).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:?usage: stuck_peer_test.sh BUILD_DIR}"
export MEDCLEAR_BIN="$build/gateway/medclear"
bin="$MEDCLEAR_BIN"
load_bin="$build/tests/nation_load"
MIN_RATIO_PERCENT=50
MEASURE_S=10
C_CLAIMS=24
seed="${MEDCLEAR_SEED:-$(( (RANDOM << 15) | RANDOM ))}"
echo "stuck-peer: seed=$seed (MEDCLEAR_SEED=$seed replays the load)"
dir="$(mktemp -d "${TMPDIR:-/tmp}/medclear-stuck.XXXXXX")"
nation() { "$root/ops/nation.sh" "$@" --dir "$dir"; }

stopped_pid=""  # region C while SIGSTOPped
ab_pid=""
c_pid=""
passed=0
cleanup() {
  [[ -n "$stopped_pid" ]] && kill -CONT "$stopped_pid" 2>/dev/null
  for pid in $ab_pid $c_pid; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in $ab_pid $c_pid; do wait "$pid" 2>/dev/null || true; done
  nation down > /dev/null 2>&1 || true
  if [[ $passed == 1 ]]; then rm -rf "$dir"; else echo "stuck-peer: the nation is in $dir" >&2; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "stuck-peer: FAIL: $*" >&2; exit 1; }

lines() { if [[ -f "$1" ]]; then wc -l < "$1"; else echo 0; fi; }
now() { date +%s.%N; }
# Settlements answered into FILE per second over MEASURE_S seconds.
measure() {
  local n0 t0 n1 t1
  n0="$(lines "$1")"; t0="$(now)"
  sleep "$MEASURE_S"
  n1="$(lines "$1")"; t1="$(now)"
  awk -v n="$((n1 - n0))" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.1f", n / (t1 - t0) }'
}
summary() { grep '^load:' "$1" | tail -n 1; }
field() { sed -n "s/.* $1=\\([0-9]*\\).*/\\1/p" <<< "$2"; }

nation up --regions 3 > "$dir.up" 2>&1 || { cat "$dir.up" >&2; rm -f "$dir.up"; fail "nation up"; }
rm -f "$dir.up"
read -r a b c <<< "$(tr ',' ' ' < "$dir/regions")"
echo "stuck-peer: regions A=$a B=$b C=$c"

"$load_bin" --dir "$dir" --answered "$dir/answered-ab" --threads 4 --seed "$seed" \
  --regions "$a,$b" > "$dir/logs/load-ab.log" 2>&1 &
ab_pid=$!
sleep 3  # connections open, first claims settled
before="$(measure "$dir/answered-ab")"
(( $(lines "$dir/answered-ab") > 0 )) || fail "no A↔B settlement before C was stopped"

c_pid_node="$(cat "$dir/pids/node-$c.pid")"
kill -STOP "$c_pid_node"
stopped_pid="$c_pid_node"
"$load_bin" --dir "$dir" --answered "$dir/answered-c" --threads 4 --seed "$((seed + 1))" \
  --treating "$a" --insured "$c" --count "$C_CLAIMS" --first-serial 1000000 \
  > "$dir/logs/load-c.log" 2>&1 &
c_pid=$!
sleep 1
during="$(measure "$dir/answered-ab")"
settled_while_stopped="$(lines "$dir/answered-c")"
status_while_stopped="$(nation status 2>&1 | grep "region=$a " || true)"
kill -CONT "$c_pid_node"
stopped_pid=""

kill -TERM "$ab_pid"
wait "$ab_pid" || true
ab_pid=""
ab="$(summary "$dir/logs/load-ab.log")"
waited=0
while kill -0 "$c_pid" 2>/dev/null; do
  (( waited++ < 900 )) || fail "claims involving C not settled 90 s after SIGCONT: $(lines "$dir/answered-c")/$C_CLAIMS ($dir/logs/load-c.log)"
  sleep 0.1
done
wait "$c_pid" || true
c_pid=""
cl="$(summary "$dir/logs/load-c.log")"
ratio="$(awk -v a="$before" -v b="$during" 'BEGIN { printf "%.2f", (a > 0 ? b / a : 0) }')"
echo "stuck-peer: A↔B settlements/s before=$before while_C_stuck=$during ratio=$ratio" \
  "(pass: ≥ 0.$MIN_RATIO_PERCENT)"
echo "stuck-peer: A↔B $ab"
echo "stuck-peer: A→C $cl (settled while C stopped: $settled_while_stopped)"
echo "stuck-peer: while C stuck: $status_while_stopped"

nation down > "$dir/down.log" 2>&1 || { cat "$dir/down.log" >&2; fail "a process did not stop cleanly"; }
failed=0
for region in "$a" "$b" "$c"; do
  if ! "$bin" ledger verify --dir "$dir/ledgers/$region" > "$dir/verify-$region.log" 2>&1; then
    tail -n 5 "$dir/verify-$region.log" >&2
    echo "stuck-peer: FAIL: ledger $region does not verify" >&2; failed=1
  fi
done
# Each claim involving C answered: its settlement in A's and C's ledger.
for region in "$a" "$c"; do
  "$bin" ledger dump --dir "$dir/ledgers/$region" | grep -o '"setl_id":"[^"]*"' | sort -u \
    > "$dir/setl-$region.txt"
  while read -r _ setl _; do
    grep -qF "\"setl_id\":\"$setl\"" "$dir/setl-$region.txt" || {
      echo "stuck-peer: FAIL: settlement $setl (insured in C) not in ledger $region" >&2; failed=1; }
  done < "$dir/answered-c"
done
ok_ratio="$(awk -v a="$before" -v b="$during" -v p="$MIN_RATIO_PERCENT" \
  'BEGIN { print (b * 100 >= a * p) ? 1 : 0 }')"
[[ $ok_ratio == 1 ]] || { echo "stuck-peer: FAIL: A↔B rate fell below 0.$MIN_RATIO_PERCENT× while C was stuck" >&2; failed=1; }
[[ "$(field rejected "$ab")" == 0 && "$(field busy "$ab")" == 0 ]] ||
  { echo "stuck-peer: FAIL: A↔B claims refused (rejected or 503): $ab" >&2; failed=1; }
[[ "$settled_while_stopped" == 0 ]] ||
  { echo "stuck-peer: FAIL: $settled_while_stopped claims insured in C settled while C was stopped" >&2; failed=1; }
[[ "$(field answered "$cl")" == "$C_CLAIMS" && "$(lines "$dir/answered-c")" == "$C_CLAIMS" ]] ||
  { echo "stuck-peer: FAIL: claims involving C answered: $cl" >&2; failed=1; }
[[ $failed == 0 ]] || exit 1
passed=1
echo "stuck-peer: ok"
