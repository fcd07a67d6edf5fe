#!/usr/bin/env bash
# The default demo's audit report as a person reads it (issue 18): the demo runs with its default
# nation (31 regions, 3 days), its report.html is opened in headless Debian Chromium, and the
# rendered page is checked by tests/process/demo_report_check.py against tests/data/provinces.tsv
# (the test's own copy of shared/data/provinces.tsv): every region a person reads is shown with
# its Chinese and pinyin name, and a clean run raises fewer than five anomaly flags. A screenshot
# of the page is left in OUTPUT_DIR for a person to look at.
#   tests/process/demo_report_test.sh MEDCLEAR_BINARY SOURCE_DIR OUTPUT_DIR
# MEDCLEAR_SEED=<n> replays a run (the seed is printed either way).
set -euo pipefail

bin=$1
src=$(cd "$2" && pwd)
out=$3
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
seed=${MEDCLEAR_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "seed $seed (replay: MEDCLEAR_SEED=$seed)"

"$bin" demo --seed "$seed" --out "$work/demo" >"$work/demo.log" 2>&1 || {
  tail -20 "$work/demo.log"
  echo "FAIL: the default demo did not finish clean"
  exit 1
}
grep -E '^  (auditor|audit report):' "$work/demo.log"

chromium_flags=(--headless --no-sandbox --disable-gpu --user-data-dir="$work/chromium" --no-first-run
  --disable-background-networking --disable-component-update --virtual-time-budget=5000)
timeout 90 chromium "${chromium_flags[@]}" --dump-dom "file://$work/demo/report.html" \
  >"$work/dom.html" 2>/dev/null || true
timeout 90 chromium "${chromium_flags[@]}" --window-size=1200,2400 \
  --screenshot="$out/demo_report.png" "file://$work/demo/report.html" >/dev/null 2>&1 || true
[ -s "$out/demo_report.png" ] && echo "screenshot: $out/demo_report.png"

python3 "$src/tests/process/demo_report_check.py" "$work/dom.html" "$src/tests/data/provinces.tsv"
