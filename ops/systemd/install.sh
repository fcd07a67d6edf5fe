#!/usr/bin/env bash
# Installs medclear as systemd services on this machine (root): the `medclear` system user, the
# binary in /usr/local/bin, the units, /etc/medclear for configurations and certificates, the
# runbook. Then per region: put its config in /etc/medclear/node-<region>.json with
# "ledger_dir": "/var/lib/medclear/<region>" and certificate paths under /etc/medclear, and
#   systemctl enable --now medclear-node@<region>
# (and medclear-broker for a development nation on one machine; production uses a Kafka cluster).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
binary="${1:-$root/build/release/gateway/medclear}"
[[ -x "$binary" ]] || { echo "no medclear binary at $binary (ops/build.sh release)" >&2; exit 2; }
id medclear >/dev/null 2>&1 ||
  useradd --system --home-dir /var/lib/medclear --no-create-home --shell /usr/sbin/nologin medclear
install -m 0755 "$binary" /usr/local/bin/medclear
install -m 0644 "$root/ops/systemd/medclear-node@.service" "$root/ops/systemd/medclear-broker.service" \
  /etc/systemd/system/
install -d -m 0750 -o root -g medclear /etc/medclear
install -d -m 0755 /usr/local/share/doc/medclear
install -m 0644 "$root/ops/RUNBOOK.md" /usr/local/share/doc/medclear/RUNBOOK.md
systemctl daemon-reload
echo "installed; now: systemctl enable --now medclear-node@<region>"
