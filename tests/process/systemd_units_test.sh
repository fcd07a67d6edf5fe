#!/usr/bin/env bash
# The systemd units of ops/systemd: `systemd-analyze verify` finds nothing wrong with them (as
# installed, ExecStart pointing at the built binary), and `systemd-analyze security` rates each
# unit's sandbox at most 2.0 of 10 ("OK" or better; 10 is an unconfined service).
# Usage: systemd_units_test.sh MEDCLEAR_BINARY
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
binary="$(realpath "$1")"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
# As installed: the binary where ExecStart names it; a template verified through an instance.
sed "s|/usr/local/bin/medclear|$binary|" "$root/ops/systemd/medclear-node@.service" \
  > "$scratch/medclear-node@310000.service"
sed "s|/usr/local/bin/medclear|$binary|" "$root/ops/systemd/medclear-broker.service" \
  > "$scratch/medclear-broker.service"
failed=0
for unit in "$scratch"/*.service; do
  if ! out="$(SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no "$unit" 2>&1)"; then
    echo "FAIL verify $(basename "$unit"):"; echo "$out"; failed=1; continue
  fi
  # verify exits 0 on some warnings: any line about our unit is a finding.
  if grep -F "$(basename "$unit")" <<<"$out"; then
    echo "FAIL verify $(basename "$unit") printed findings"; failed=1; continue
  fi
  score="$(systemd-analyze security --offline=true --no-pager "$unit" 2>/dev/null |
    sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')"
  if [[ -z "$score" ]]; then
    echo "FAIL security $(basename "$unit"): no exposure level"; failed=1; continue
  fi
  echo "$(basename "$unit"): verify clean, exposure $score"
  if ! awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'; then
    echo "FAIL $(basename "$unit"): exposure $score above 2.0"; failed=1
  fi
done
exit "$failed"
