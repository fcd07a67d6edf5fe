#!/usr/bin/env bash
# A real Prometheus scrapes two region node processes over mutual TLS and answers a query for
# both; promtool checks a real scrape (metric conventions), the alert rules (and their unit
# tests) and the configurations; the Grafana dashboard is JSON and names only metrics that exist.
#   tests/process/prometheus_test.sh MEDCLEAR_BINARY SOURCE_ROOT
# Processes: `medclear demo --serve` writes the development PKI and the node configs and stops;
# one `medclear broker`; `medclear node --config` for two regions (the second with
# MEDCLEAR_LOG_FORMAT=json, whose log lines must each parse); `prometheus` on a free port with a
# temporary TSDB. Every process started here is stopped on exit.
set -euo pipefail
medclear="$(realpath "$1")"
root="$(realpath "$2")"
for tool in prometheus promtool curl jq python3; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool missing (ops/install-deps.sh --tests)"; exit 1; }
done
work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for log in "$work"/*.log; do echo "--- $log"; tail -20 "$log"; done
  exit 1
}

# Waits (at most $3 s) until file $1 has a line matching $2.
wait_for_line() {
  for _ in $(seq $(($3 * 10))); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  fail "no '$2' in $1"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# 1. The development PKI and node configs, from a demo that serves and is stopped.
"$medclear" demo --serve --scenario "$root/tests/scenarios/worked_examples.json" --out "$work/demo" \
  > "$work/demo.log" 2>&1 &
demo=$!
pids+=("$demo")
wait_for_line "$work/demo.log" '^ready' 60
kill -TERM "$demo"
wait "$demo" || fail "demo --serve did not stop cleanly"
mapfile -t regions < <(sed -n 's/^region=\([0-9]*\) .*/\1/p' "$work/demo.log" | head -2)
[ "${#regions[@]}" -eq 2 ] || fail "the demo served fewer than two regions"
all_regions="$(sed -n 's/^region=\([0-9]*\) .*/\1/p' "$work/demo.log" | paste -sd,)"
pki="$work/demo/pki"

# 2. One broker for every region; each node's config points at it.
"$medclear" broker --regions "$all_regions" --partitions 2 --brokers 1 > "$work/broker.log" 2>&1 &
pids+=("$!")
wait_for_line "$work/broker.log" '^ready' 30
bootstrap="$(sed -n 's/^bootstrap=//p' "$work/broker.log")"

# 3. Two region processes (the second logs JSON lines).
targets=()
for region in "${regions[@]}"; do
  jq --arg b "$bootstrap" --arg r "$all_regions" '.kafka = {"bootstrap.servers": $b} | .regions = $r' \
    "$work/demo/nodes/node-$region.json" > "$work/node-$region.json"
  targets+=("127.0.0.1:$(jq -r .gateway.port "$work/node-$region.json")")
done
"$medclear" node --config "$work/node-${regions[0]}.json" > "$work/node-${regions[0]}.log" 2>&1 &
pids+=("$!")
MEDCLEAR_LOG_FORMAT=json "$medclear" node --config "$work/node-${regions[1]}.json" \
  > "$work/node-${regions[1]}.log" 2>&1 &
pids+=("$!")
for region in "${regions[@]}"; do wait_for_line "$work/node-$region.log" '^ready' 60; done

# 4. A request without a client certificate is refused and counted (so the refusals family is in
# the scrape); a real scrape is clean for promtool (counters *_total, units in names, help).
code="$(curl -s -o /dev/null -w '%{http_code}' --cacert "$pki/ca.pem" "https://${targets[0]}/v1/balances")"
[ "$code" = 401 ] || fail "/v1/balances without a client certificate answered $code, expected 401"
# The metrics need a certificate too: Prometheus' client certificate below is what lets it in.
code="$(curl -s -o /dev/null -w '%{http_code}' --cacert "$pki/ca.pem" "https://${targets[0]}/metrics")"
[ "$code" = 401 ] || fail "/metrics without a client certificate answered $code, expected 401"
curl -sf --cacert "$pki/ca.pem" --cert "$pki/regulator.pem" --key "$pki/regulator.key" \
  "https://${targets[0]}/metrics" > "$work/scrape.txt" || fail "cannot scrape ${targets[0]}"
curl -sf --cacert "$pki/ca.pem" --cert "$pki/regulator.pem" --key "$pki/regulator.key" \
  "https://${targets[0]}/metrics" > "$work/scrape.txt" # again: the first scrape's route counted
promtool check metrics < "$work/scrape.txt" > "$work/check-metrics.log" 2>&1 \
  || fail "promtool check metrics: $(cat "$work/check-metrics.log")"
grep -q '^medclear_node_claims_decided_total{region="'"${regions[0]}"'"} ' "$work/scrape.txt" \
  || fail "no medclear_node_claims_decided_total in the scrape"
grep -q '^# TYPE medclear_node_claims_decided_total counter' "$work/scrape.txt" \
  || fail "medclear_node_claims_decided_total is not a counter"

# 5. Prometheus scrapes both over mutual TLS, every second.
prom_port="$(free_port)"
cat > "$work/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $root/ops/prometheus/medclear.rules.yml
scrape_configs:
  - job_name: medclear
    scheme: https
    tls_config:
      ca_file: $pki/ca.pem
      cert_file: $pki/regulator.pem
      key_file: $pki/regulator.key
      server_name: localhost
    static_configs:
      - targets: ["${targets[0]}", "${targets[1]}"]
YAML
promtool check config "$work/prometheus.yml" > "$work/check-config.log" 2>&1 \
  || fail "promtool check config: $(cat "$work/check-config.log")"
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" > "$work/prometheus.log" 2>&1 &
pids+=("$!")
api="http://127.0.0.1:$prom_port/api/v1"
query='medclear_node_steps_total{job="medclear"}'
found=""
expected="$(printf '%s\n' "${regions[@]}" | sort | paste -sd,)"
for _ in $(seq 600); do
  answer="$(curl -sf --get --data-urlencode "query=$query" "$api/query" || true)"
  found="$(printf '%s' "$answer" | jq -r '[.data.result[]?.metric.region] | sort | join(",")' \
    2>/dev/null || true)"
  [ "$found" = "$expected" ] && break
  sleep 0.1
done
[ "$found" = "$expected" ] || {
  curl -sf "$api/targets" > "$work/targets.log" || true
  fail "Prometheus answered regions '$found' for $query, expected '$expected'"
}
up="$(curl -sf --get --data-urlencode 'query=up{job="medclear"} == 1' "$api/query" \
  | jq -r '.data.result | length')"
[ "$up" = 2 ] || fail "up == 1 for $up targets, expected 2"
echo "prometheus read $query for regions $found over mutual TLS"

# 6. The alert rules, their unit tests, the example configuration.
promtool check rules "$root/ops/prometheus/medclear.rules.yml" || fail "promtool check rules"
(cd "$root/ops/prometheus" && promtool test rules medclear.rules.test.yml) \
  || fail "promtool test rules"
promtool check config --syntax-only "$root/ops/prometheus/prometheus.example.yml" \
  || fail "promtool check config prometheus.example.yml"

# 7. The clearing's prepayment gauges are clean too; the dashboard and the rules name only
# metrics that exist (in the scrape, the clearing's textfile, or Prometheus' own `up`).
cat > "$work/clearing.json" <<'JSON'
{"format": "medclear.clearing.v1", "period": "2026-03", "positions": {"310000": {"prepayment":
 {"before": "900.00", "drawn": "800.00", "after": "100.00", "floor": "500.00",
  "shortfall": "0.00", "top_up": "400.00"}}}}
JSON
"$root/ops/prometheus/clearing-textfile.sh" "$work/clearing.json" > "$work/clearing.prom"
promtool check metrics < "$work/clearing.prom" || fail "promtool check metrics (clearing textfile)"
python3 -m json.tool "$root/ops/grafana/medclear.json" > /dev/null || fail "dashboard is not JSON"
known="$( (sed -n 's/^\([a-z_]*\).*/\1/p' "$work/scrape.txt" "$work/clearing.prom"; echo up) | sort -u)"
named="$( (jq -r '.panels[].targets[].expr' "$root/ops/grafana/medclear.json";
  grep 'expr:' -A3 "$root/ops/prometheus/medclear.rules.yml") \
  | grep -o 'medclear_[a-z_]*' | sort -u)"
missing="$(comm -23 <(echo "$named") <(echo "$known"))"
[ -z "$missing" ] || fail "the dashboard or rules name metrics no node exports: $missing"

# 8. The second node logs JSON (an idle node may have logged nothing yet: the unit test
# Log.JsonFormatWritesOneParsableObjectPerLine covers the format): no spdlog text line, and every
# JSON line parses with time, level, logger and message.
if grep -q '^\[20' "$work/node-${regions[1]}.log"; then fail "node ${regions[1]} wrote a text log line"; fi
json_lines="$(grep -c '^{' "$work/node-${regions[1]}.log" || true)"
if [ "$json_lines" -gt 0 ]; then
  grep '^{' "$work/node-${regions[1]}.log" \
    | jq -e 'has("time") and has("level") and has("logger") and has("message")' > /dev/null \
    || fail "a JSON log line does not parse or lacks a field"
fi
echo "PASS: prometheus scraped ${targets[*]}; $json_lines JSON log lines parsed"
