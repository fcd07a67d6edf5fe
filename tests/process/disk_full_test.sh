#!/usr/bin/env bash
# tests/process/disk_full_test.sh BUILD_DIR (issue 16: a full disk)
# Two region processes A and B (ops/nation.sh); A's ledger directory is a small tmpfs
# (TMPFS_MIB, below the 70 MiB RocksDB preallocates for a log, so nothing is reserved ahead).
# Hospital load between A and B over HTTPS (nation_load); then a ballast file fills A's tmpfs.
# Pass: A's node refuses new settlements with 503 err_code storage_full (the load driver counts
# them), its /readyz is 503 storage_full with Retry-After, medclear_ledger_storage_full is 1,
# nothing treated at A is answered 200 while full, and A's process does not exit; the ballast
# deleted, A writes again by itself (same pid, readyz 200, gauge 0) and settlements treated at A
# are answered again; every process exits 0 on `down`, both ledgers verify, and every settlement
# answered 200 is in both ledgers exactly once. Needs root (mount); exits 77 (skipped) without.
# The tmpfs is unmounted on exit, also on failure; the nation's directory is kept on failure.
# MEDCLEAR_SEED=<n> replays the load (not the machine's timing).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="$(realpath "${1:?usage: disk_full_test.sh BUILD_DIR}")"
export MEDCLEAR_BIN="$build/gateway/medclear"
bin="$MEDCLEAR_BIN"
load_bin="$build/tests/nation_load"
TMPFS_MIB=64
FULL_CLAIMS=8
if [[ "$(id -u)" != 0 ]]; then echo "disk-full: skipped: mounting a tmpfs needs root"; exit 77; fi
seed="${MEDCLEAR_SEED:-$(( (RANDOM << 15) | RANDOM ))}"
echo "disk-full: seed=$seed (MEDCLEAR_SEED=$seed replays the load)"
dir="$(mktemp -d "${TMPDIR:-/tmp}/medclear-diskfull.XXXXXX")"
nation() { "$root/ops/nation.sh" "$@" --dir "$dir"; }

mounted=""
load_pid=""
full_pid=""
passed=0
cleanup() {
  for pid in $load_pid $full_pid; do kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  nation down > /dev/null 2>&1 || true
  if [[ -n "$mounted" ]]; then
    umount "$mounted" 2>/dev/null || umount -l "$mounted" 2>/dev/null || true
  fi
  if [[ $passed == 1 ]]; then rm -rf "$dir"; else echo "disk-full: the nation is in $dir" >&2; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "disk-full: FAIL: $*" >&2; exit 1; }
lines() { if [[ -f "$1" ]]; then wc -l < "$1"; else echo 0; fi; }
treated_at() { if [[ -f "$1" ]]; then awk -v r="$2" '$3 == r' "$1" | wc -l; else echo 0; fi; }
field() { sed -n "s/.* $1=\\([0-9]*\\).*/\\1/p" <<< "$2"; }

"$bin" nation init --dir "$dir" --regions 2 > "$dir/init.log" 2>&1 || { cat "$dir/init.log" >&2; fail "nation init"; }
read -r a b <<< "$(tr ',' ' ' < "$dir/regions")"
ledger="$dir/ledgers/$a"
mv "$ledger" "$dir/ledger-$a.before-tmpfs"
mkdir "$ledger"
mount -t tmpfs -o "size=${TMPFS_MIB}m,mode=0700" medclear-diskfull "$ledger"
mounted="$ledger"
cp -a "$dir/ledger-$a.before-tmpfs/." "$ledger/"
echo "disk-full: regions A=$a B=$b; A's ledger on a ${TMPFS_MIB} MiB tmpfs"

nation up --regions 2 > "$dir/up.log" 2>&1 || { cat "$dir/up.log" >&2; fail "nation up"; }
pid_a="$(cat "$dir/pids/node-$a.pid")"
port_a="$(awk -v r="$a" '$1 == r { print $2 }' "$dir/ports")"
tls=(--silent --max-time 5 --cacert "$dir/pki/ca.pem" --cert "$dir/pki/regulator.pem"
     --key "$dir/pki/regulator.key")
readyz() { curl "${tls[@]}" -i "https://127.0.0.1:$port_a/readyz" | tr -d '\r' || true; }
gauge() {
  curl "${tls[@]}" "https://127.0.0.1:$port_a/metrics" |
    sed -n 's/^medclear_ledger_storage_full{[^}]*} \([0-9.]*\)$/\1/p' || true
}
gauge_is() { awk -v v="$(gauge)" -v want="$1" 'BEGIN { exit !(v != "" && v + 0 == want) }'; }
alive_a() { [[ ! -f "$dir/pids/node-$a.exit" ]] && kill -0 "$pid_a" 2>/dev/null; }
# Waits up to $1 s for the command after it to succeed.
within() {
  local seconds="$1"; shift
  for _ in $(seq $((seconds * 10))); do "$@" && return 0; sleep 0.1; done
  return 1
}
is_full() { grep -q '"err_code":"storage_full"' <<< "$(readyz)"; }
is_ready() { head -n 1 <<< "$(readyz)" | grep -q ' 200'; }
treated_at_a_over() { (( $(treated_at "$dir/answered" "$a") > $1 )); }

"$load_bin" --dir "$dir" --answered "$dir/answered" --threads 4 --seed "$seed" \
  > "$dir/logs/load.log" 2>&1 &
load_pid=$!
within 30 treated_at_a_over 0 || fail "no settlement treated at A before the disk filled"
gauge_is 0 || fail "medclear_ledger_storage_full is not 0 before the disk filled: $(gauge)"

filled_at="$(date +%s.%N)"
dd if=/dev/zero of="$ledger/ballast" bs=1M > /dev/null 2>&1 || true  # until the tmpfs is full
within 30 is_full || fail "A's readyz does not say storage_full 30 s after the disk filled: $(readyz | head -n 1)"
detected="$(awk -v t0="$filled_at" -v t1="$(date +%s.%N)" 'BEGIN { printf "%.1f", t1 - t0 }')"
full_answer="$(readyz)"
grep -q '^HTTP/1.1 503' <<< "$full_answer" || fail "readyz while full: $(head -n 1 <<< "$full_answer")"
grep -qi '^retry-after: [0-9]' <<< "$full_answer" || fail "no Retry-After on the storage_full answer"
gauge_is 1 || fail "medclear_ledger_storage_full is not 1 while full: $(gauge)"
sleep 1  # answers sent before the disk filled have reached the driver's file
treated_before="$(treated_at "$dir/answered" "$a")"
# New claims at A while it is full (the first driver's threads may all be waiting on claims A
# took before): each refused at once with storage_full and sent again until settled.
"$load_bin" --dir "$dir" --answered "$dir/answered-full" --threads 2 --seed "$((seed + 1))" \
  --treating "$a" --insured "$b" --count "$FULL_CLAIMS" --first-serial 1000000 \
  > "$dir/logs/load-full.log" 2>&1 &
full_pid=$!
sleep 5  # full: the claims at A are refused and sent again
alive_a || fail "A's process exited while its disk was full"
is_full || fail "A's node left storage_full before space was freed"
treated_while_full="$(( $(treated_at "$dir/answered" "$a") - treated_before + $(lines "$dir/answered-full") ))"
[[ "$treated_while_full" == 0 ]] || fail "$treated_while_full settlements treated at A answered 200 while its disk was full"

freed_at="$(date +%s.%N)"
rm -f "$ledger/ballast"
within 60 is_ready || fail "A's readyz not 200 60 s after space was freed: $(readyz | head -n 1)"
resumed="$(awk -v t0="$freed_at" -v t1="$(date +%s.%N)" 'BEGIN { printf "%.1f", t1 - t0 }')"
gauge_is 0 || fail "medclear_ledger_storage_full is not 0 after space was freed: $(gauge)"
within 60 treated_at_a_over "$treated_before" ||
  fail "no settlement treated at A answered 60 s after space was freed"
alive_a && [[ "$(cat "$dir/pids/node-$a.pid")" == "$pid_a" ]] || fail "A's process was restarted"
waited=0
while kill -0 "$full_pid" 2>/dev/null; do
  (( waited++ < 600 )) || fail "the claims sent at A while full not settled 60 s after space was freed"
  sleep 0.1
done
wait "$full_pid" || true
full_pid=""
full_summary="$(grep '^load:' "$dir/logs/load-full.log" | tail -n 1)"

kill -TERM "$load_pid"
wait "$load_pid" || true
load_pid=""
summary="$(grep '^load:' "$dir/logs/load.log" | tail -n 1)"
echo "disk-full: A<->B throughout: $summary"
echo "disk-full: new at A while full: $full_summary"
echo "disk-full: storage_full seen ${detected} s after the ballast, writing again ${resumed} s after it was deleted"
(( "$(field storage_full "$full_summary")" > 0 )) || fail "no 503 storage_full answer to the claims sent at A while full"
[[ "$(field answered "$full_summary")" == "$FULL_CLAIMS" ]] || fail "claims sent at A while full not all settled: $full_summary"
[[ "$(field rejected "$summary")" == 0 ]] || fail "claims rejected: $summary"
grep -q "storage_full region=$a" "$dir/logs/node-$a.log" || fail "A's log does not say storage_full"
grep -q "storage_resumed region=$a" "$dir/logs/node-$a.log" || fail "A's log does not say storage_resumed"

nation down > "$dir/down.log" 2>&1 || { cat "$dir/down.log" >&2; fail "a process did not stop cleanly"; }
failed=0
for region in "$a" "$b"; do
  if ! "$bin" ledger verify --dir "$dir/ledgers/$region" > "$dir/verify-$region.log" 2>&1; then
    tail -n 5 "$dir/verify-$region.log" >&2
    echo "disk-full: FAIL: ledger $region does not verify" >&2; failed=1
  fi
  "$bin" ledger dump --dir "$dir/ledgers/$region" \
    | grep -o '"setl_id":"[^"]*"' | sed "s/^\"setl_id\":\"\\(.*\\)\"$/$region \\1/" \
    | sort | uniq -c > "$dir/setl-$region.txt"
done
# Every answered settlement ("msgid setl_id treating insured"): once in each of its two ledgers.
missing="$(awk 'NR == FNR { n[$2 " " $3] = $1; next }
                { if (n[$3 " " $2] != 1) print "treating", $3, $2, n[$3 " " $2] + 0;
                  if (n[$4 " " $2] != 1) print "insured", $4, $2, n[$4 " " $2] + 0 }' \
  <(cat "$dir"/setl-*.txt) <(cat "$dir/answered" "$dir/answered-full"))"
if [[ -n "$missing" ]]; then
  echo "disk-full: FAIL: answered settlements not exactly once (side region setl_id times):" >&2
  head -n 20 <<< "$missing" >&2
  failed=1
fi
[[ $failed == 0 ]] || exit 1
echo "disk-full: $(( $(lines "$dir/answered") + $(lines "$dir/answered-full") )) settlements answered 200, each once in both ledgers; both ledgers verify"
passed=1
echo "disk-full: ok"
