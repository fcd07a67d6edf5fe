#!/usr/bin/env bash
# The audit report as a PDF for filing: headless Chromium prints the report's HTML page (the
# demo's OUT/report.html, `medclear audit report --format html`, GET /v1/audit/report?format=html)
# on A4 without browser headers. Installs Chromium and the fonts first when missing.
#   ops/report-pdf.sh REPORT.html [OUT.pdf]     (default: REPORT.pdf beside it)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[[ $# -ge 1 && -f "$1" ]] || { echo "usage: ops/report-pdf.sh REPORT.html [OUT.pdf]" >&2; exit 2; }
page="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
out="${2:-${page%.html}.pdf}"
"$root/ops/install-deps.sh" --pdf
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --user-data-dir="$profile" \
  --no-pdf-header-footer --print-to-pdf="$out" "file://$page" 2>/dev/null
head -c 5 "$out" | grep -q '%PDF-' || { echo "report-pdf: chromium wrote no PDF" >&2; exit 1; }
echo "$out"
