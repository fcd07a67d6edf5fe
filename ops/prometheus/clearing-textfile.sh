#!/usr/bin/env bash
# Turns the monthly clearing's OUT/clearing.json (`medclear clear --out OUT`) into Prometheus
# gauges for node_exporter's textfile collector, so MedclearPrepaymentBelowFloor can page:
#   ops/prometheus/clearing-textfile.sh OUT/clearing.json > /var/lib/prometheus/node-exporter/medclear_clearing.prom
# (write to a temporary file and rename it, so the collector never reads half a file).
# Amounts are yuan as clearing.json writes them (two decimals).
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: ops/prometheus/clearing-textfile.sh CLEARING_JSON" >&2
  exit 2
fi
jq -r '
  if .format != "medclear.clearing.v1" then error("not a medclear.clearing.v1 file") else . end
  | .period as $period
  | [ ["after", "Prepayment balance after the period'"'"'s pay-ins, yuan"],
      ["floor", "Least prepayment a region must keep, yuan"],
      ["top_up", "Top-up asked of the region to reach its floor, yuan"],
      ["shortfall", "Pay-in the prepayment did not cover, yuan"] ] as $fields
  | ($fields[] as [$field, $help]
      | "# HELP medclear_clearing_prepayment_\($field)_yuan \($help)",
        "# TYPE medclear_clearing_prepayment_\($field)_yuan gauge",
        (.positions | to_entries[]
          | "medclear_clearing_prepayment_\($field)_yuan{period=\"\($period)\",region=\"\(.key)\"} \(.value.prepayment[$field])"))
' "$1"
