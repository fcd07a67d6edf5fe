#!/usr/bin/env bash
# The receipt page (adapters/receipt.html) in headless Debian Chromium, with WebCrypto's SHA-256
# and Ed25519 and nothing from the network: a genuine receipt says "verified" and shows its
# amounts; the same receipt with one changed hex digit of its entry, of its seal or of a readable
# amount, or checked against another key's fingerprint, says "altered"; an SM3 ledger's receipt
# says it cannot be checked in a browser. `medclear ledger verify-proof` agrees.
#   tests/process/receipt_page_test.sh MEDCLEAR_BINARY SOURCE_DIR
set -euo pipefail

bin=$1
src=$(cd "$2" && pwd)
page="$src/adapters/receipt.html"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
msgid=H31010400001202603151000000001  # the worked examples' first claim, treated in 310000
failures=0

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# A receipt from a sealed ledger of the worked examples, hashed with $1 (sha256 or sm3).
make_receipt() {
  "$bin" adjudicate --scenario "$src/tests/scenarios/worked_examples.json" \
    --ledger "$work/$1" --hash "$1" >/dev/null
  "$bin" ledger seal --dir "$work/$1/310000" --day 2026-03-15 >/dev/null
  "$bin" ledger proof --dir "$work/$1/310000" --receipt "$msgid" >"$work/$1.json"
}

# The receipt $1 with one hex digit changed at offset $3 of the string field $2's value.
change_digit() {
  python3 -c '
import sys
text = open(sys.argv[1]).read()
key = "\"" + sys.argv[2] + "\":\""
at = text.index(key) + len(key) + int(sys.argv[3])
print(text[:at] + ("1" if text[at] == "0" else "0") + text[at + 1:], end="")' "$@"
}

chromium_dom() {  # URL → the page's DOM once its scripts ran
  timeout 90 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$work/chromium" \
    --no-first-run --disable-background-networking --disable-component-update \
    --virtual-time-budget=10000 --dump-dom "$1" 2>/dev/null || true
}

make_receipt sha256
make_receipt sm3
change_digit "$work/sha256.json" entry 301 >"$work/entry-changed.json"
change_digit "$work/sha256.json" medfee_sumamt 0 >"$work/amount-changed.json"
change_digit "$work/sha256.json" encoded 50 >"$work/seal-changed.json"
fingerprint=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["public_key_fingerprint"])' \
  "$work/sha256.json")

# verify-proof: the genuine receipts verify, the changed ones exit 1 with "altered: why".
for name in sha256 sm3 entry-changed amount-changed seal-changed; do
  status=0
  "$bin" ledger verify-proof --proof "$work/$name.json" >"$work/cli-$name.txt" 2>&1 || status=$?
  want=1
  case $name in sha256 | sm3) want=0 ;; esac
  if [ "$status" != "$want" ] || { [ "$want" = 1 ] && ! grep -q '^altered: ' "$work/cli-$name.txt"; }; then
    fail "verify-proof $name: exit $status, expected $want: $(cat "$work/cli-$name.txt")"
  else
    echo "ok verify-proof $name: exit $status, $(tail -1 "$work/cli-$name.txt")"
  fi
done
cat "$work/cli-sha256.txt"

# The page in one browser (Chromium starts slowly on a busy machine): a copy of it with the cases
# appended, opened as a patient opens it, the genuine receipt in the address. It must say verified
# for that receipt and show the amounts verify-proof prints; then every case goes through the
# page's own check (its run(), as the Check button does).
python3 "$src/tests/process/receipt_page_cases.py" "$page" "$work" "$fingerprint" >"$work/cases.html"
fragment="receipt=$(base64 -w0 <"$work/sha256.json" | tr '+/' '-_')"
chromium_dom "file://$work/cases.html#$fragment" >"$work/cases-dom.html"
python3 -c '
import html, re, sys
found = re.search(r"<pre id=\"results\">(.*?)</pre>", open(sys.argv[1]).read(), re.S)
print(html.unescape(found.group(1)) if found else "FAIL the page never finished")' \
  "$work/cases-dom.html" | tee "$work/cases.txt"
grep -qx 'address verified' "$work/cases.txt" || fail "the page does not say verified for the receipt in its address"
while read -r name yuan; do
  grep -qx "amount $name $yuan" "$work/cases.txt" || fail "the page does not show $name $yuan"
done < <(awk '/^  [a-z_]+ +-?[0-9]+\.[0-9][0-9]$/ { print $1, $2 }' "$work/cli-sha256.txt")
if grep -q '^FAIL' "$work/cases.txt"; then fail "the page's verdicts"; fi

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "receipt page: all checks passed"
