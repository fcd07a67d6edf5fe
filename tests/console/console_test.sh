#!/usr/bin/env bash
# ctest console (label process): the gateway's console (GET /console/) in Debian's headless
# Chromium, driven by playwright-core (npm, pinned by package-lock.json, installed with `npm ci`
# into BUILD/tests/console; no browser download), through the real HTTPS gateway of `medclear demo
# --serve` with the development PKI's client certificates.
#   tests/console/console_test.sh BUILD_DIR SOURCE_DIR
# The known scenario: the worked examples (tests/scenarios/worked_examples.json) sent by their
# hospital over HTTPS, plus two more bills of person 61000000000000000004 (so the audit report
# flags bills_far_above_peers with the claims behind it); then, the demo stopped, the day
# reconciled and recorded, March cleared with a prepayment of 100.00 for 610000 (flagged
# prepayment_overdrawn), every ledger sealed; the demo served again from those ledgers and the
# same claims sent again (idempotent: the same settlements, and the gateway's timelines hold
# them). console_test.js computes what each view must show from the scenario and the answers the
# hospital got, and saves one screenshot per view into BUILD/tests/console/screenshots.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$(cd "$1" && pwd)"
src="$(cd "$2" && pwd)"
medclear="$build/gateway/medclear"
scenario="$src/tests/scenarios/worked_examples.json"
out="$build/tests/console"
for tool in node npm chromium jq curl; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool missing (ops/install-deps.sh --tests)"; exit 1; }
done
mkdir -p "$out"
if ! cmp -s "$here/package-lock.json" "$out/package-lock.json" ||
   [ ! -d "$out/node_modules/playwright-core" ]; then
  cp "$here/package.json" "$here/package-lock.json" "$out/"
  (cd "$out" && npm ci --no-audit --no-fund --loglevel=error)
fi

work="$(mktemp -d)"
demo=""
cleanup() {
  if [ -n "$demo" ]; then kill -TERM "$demo" 2>/dev/null || true; wait "$demo" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for log in "$work"/*.log; do [ -f "$log" ] && { echo "--- $log"; tail -20 "$log"; }; done
  exit 1
}

serve() {  # $1: log name. Starts the demo over the scenario (its ledgers kept between runs).
  "$medclear" demo --serve --scenario "$scenario" --out "$work/demo" >"$work/$1.log" 2>&1 &
  demo=$!
  for _ in $(seq 600); do
    grep -q '^ready' "$work/$1.log" && return 0
    kill -0 "$demo" 2>/dev/null || fail "demo --serve exited"
    sleep 0.1
  done
  fail "demo --serve never ready"
}
stop() {
  kill -TERM "$demo"
  wait "$demo" || fail "demo --serve did not stop cleanly"
  demo=""
}
url_of() { sed -n "s/^region=$2 url=//p" "$work/$1.log"; }

# The claims: the scenario's seven, and request 4 twice more under new ids (same person, bill).
mkdir -p "$work/claims" "$work/answers"
count=$(jq '.requests | length' "$scenario")
for i in $(seq 0 $((count - 1))); do jq -c ".requests[$i]" "$scenario" >"$work/claims/$i.json"; done
for n in 8 9; do
  jq -c ".requests[3] | .msgid = \"H3101040000120260315100000000$n\"
         | .input.data.mdtrt_id = \"MD000$n\" | .input.data.chrg_bchno = \"CB000$n\"" \
    "$scenario" >"$work/claims/$((count + n - 8)).json"
done
send_claims() {  # $1: log name; the answers into $work/answers/<i>.json
  local url pki="$work/demo/pki"
  url="$(url_of "$1" 310000)"
  for claim in "$work"/claims/*.json; do
    curl -sS --fail-with-body --cacert "$pki/ca.pem" --cert "$pki/hospital-H31010400001.pem" \
      --key "$pki/hospital-H31010400001.key" --data-binary @"$claim" "$url/v1/nhsa" \
      >"$work/answers/$(basename "$claim")" || fail "POST /v1/nhsa $(basename "$claim")"
  done
}

# 1. The claims settle over HTTPS; then the back office's day and month on the stopped ledgers.
serve first
send_claims first
for answer in "$work"/answers/*.json; do
  [ "$(jq .infcode "$answer")" = 0 ] || fail "not settled: $(cat "$answer")"
done
cp -r "$work/answers" "$work/first-answers"
stop
"$medclear" reconcile --day 2026-03-15 --ledgers "$work/demo/ledgers" --record >"$work/reconcile.log" ||
  fail "reconcile"
printf '%s\n' '{"format":"medclear.prepayments.v1","regions":{
  "610000":{"balance":"100.00","floor":"50.00"},
  "440000":{"balance":"100000.00","floor":"50.00"},
  "310000":{"balance":"0.00","floor":"0.00"}}}' >"$work/prepayments.json"
"$medclear" clear --period 2026-03 --ledgers "$work/demo/ledgers" \
  --prepayments "$work/prepayments.json" --out "$work/clearing" >"$work/clear.log" || fail "clear"
for region in 310000 440000 610000; do
  "$medclear" ledger seal --dir "$work/demo/ledgers/$region" --day 2026-03-15 >/dev/null ||
    fail "seal $region"
done

# 2. Served again from those ledgers; the same claims again: the same settlements.
serve second
send_claims second
for answer in "$work"/answers/*.json; do
  first="$work/first-answers/$(basename "$answer")"
  [ "$(jq -c .output.setlinfo "$answer")" = "$(jq -c .output.setlinfo "$first")" ] ||
    fail "sent again, $(basename "$answer") answered otherwise"
done

# 3. The browser.
rm -rf "$out/screenshots"
mkdir -p "$out/screenshots"
pki="$work/demo/pki"
MEDCLEAR_CONSOLE_310000="$(url_of second 310000)" MEDCLEAR_CONSOLE_610000="$(url_of second 610000)" \
  MEDCLEAR_PKI="$pki" MEDCLEAR_SCENARIO="$scenario" MEDCLEAR_CLAIMS="$work/claims" \
  MEDCLEAR_ANSWERS="$work/answers" MEDCLEAR_SCREENSHOTS="$out/screenshots" \
  NODE_PATH="$out/node_modules" timeout 100 node "$here/console_test.js" || fail "console_test.js"
