#!/usr/bin/env bash
# A local nation of processes: one stand-alone broker (`medclear broker`) and one `medclear node`
# process (node + HTTPS gateway) per region, configured by `medclear nation init` (reference
# scenario, development PKI, per-region configs with fixed ports and pinned peers).
#   ops/nation.sh up [--regions N|CODE,CODE,…] [--persons N | --scenario FILE] [--dir DIR]
#                    [--simulated [--seed S]]   the demo's seeded nation (`medclear demo --nation DIR`)
#   ops/nation.sh status [--dir DIR]        health, gateway in-flight settlements, node counters
#   ops/nation.sh down [--dir DIR]          SIGTERM to every process; exit 1 if one did not exit 0
#   ops/nation.sh start-region CODE [--dir DIR]   (re)starts one region process (after a crash)
# DIR defaults to medclear-nation; pids/, logs/ (appended) and the exit codes are under it.
# The binary: $MEDCLEAR_BIN, else build/release/gateway/medclear (ops/build.sh release medclear).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${MEDCLEAR_BIN:-$root/build/release/gateway/medclear}"

die() { echo "nation: $*" >&2; exit 2; }

command="${1:-}"
[[ -n "$command" ]] && shift
dir=medclear-nation
region_arg=""
init_args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dir) dir="$2"; shift 2 ;;
    --regions|--persons|--scenario|--seed) init_args+=("$1" "$2"); shift 2 ;;
    --simulated) init_args+=("$1"); shift ;;
    -*) die "unknown option $1" ;;
    *) region_arg="$1"; shift ;;
  esac
done
[[ -x "$bin" ]] || die "no binary $bin (ops/build.sh release medclear, or set MEDCLEAR_BIN)"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

alive() { [[ -f "$dir/pids/$1.pid" ]] && kill -0 "$(cat "$dir/pids/$1.pid")" 2>/dev/null; }

# Starts NAME (a process of the nation) in a watcher subshell that records its pid and, when it
# ends, its exit code (pids/NAME.exit); waits until its log says 'ready' (after LINES lines).
start() {
  local name="$1"; shift
  local log="$dir/logs/$name.log"
  touch "$log"
  local lines; lines="$(wc -l < "$log")"
  rm -f "$dir/pids/$name.exit" "$dir/pids/$name.pid"
  (
    "$@" >> "$log" 2>&1 &
    echo $! > "$dir/pids/$name.pid.tmp" && mv "$dir/pids/$name.pid.tmp" "$dir/pids/$name.pid"
    code=0; wait $! || code=$?
    echo "$code" > "$dir/pids/$name.exit"
  ) < /dev/null > /dev/null 2>&1 &
  local waited=0
  until tail -n +"$((lines + 1))" "$log" | grep -q '^ready$'; do
    if [[ -f "$dir/pids/$name.exit" ]]; then
      echo "nation: $name exited $(cat "$dir/pids/$name.exit") before ready:" >&2
      tail -n 5 "$log" >&2
      return 1
    fi
    (( waited++ < 600 )) || { echo "nation: $name not ready after 60 s ($log)" >&2; return 1; }
    sleep 0.1
  done
}

start_region() {
  start "node-$1" "$bin" node --config "$dir/nodes/node-$1.json"
}

regions() { tr ',' ' ' < "$dir/regions"; }

up() {
  alive broker && die "$dir is up already (ops/nation.sh down --dir $dir)"
  mkdir -p "$dir/pids" "$dir/logs"
  local listed
  listed="$("$bin" nation init --dir "$dir" "${init_args[@]}" | sed -n 's/^regions=//p')"
  start broker "$bin" broker --regions "$listed" --partitions 8
  local bootstrap
  bootstrap="$(sed -n 's/^bootstrap=//p' "$dir/logs/broker.log" | tail -n 1)"
  "$bin" nation init --dir "$dir" "${init_args[@]}" --bootstrap "$bootstrap" > /dev/null
  for region in $(regions); do start_region "$region"; done
  echo "broker bootstrap=$bootstrap pid=$(cat "$dir/pids/broker.pid")"
  while read -r region port; do
    echo "region=$region url=https://127.0.0.1:$port pid=$(cat "$dir/pids/node-$region.pid")"
  done < "$dir/ports"
  echo "up dir=$dir"
}

# One line per process; a region's over mutual TLS with the regulator's development certificate.
status() {
  local pki="$dir/pki" down=0
  if alive broker; then echo "broker up pid=$(cat "$dir/pids/broker.pid")"; else
    echo "broker DOWN"; down=1; fi
  while read -r region port; do
    local url="https://127.0.0.1:$port" health metrics
    local tls=(--silent --max-time 5 --cacert "$pki/ca.pem" --cert "$pki/regulator.pem"
               --key "$pki/regulator.key")
    health="$(curl "${tls[@]}" -o /dev/null -w '%{http_code}' "$url/healthz" || true)"
    [[ "$health" == 000 || -z "$health" ]] && health=unreachable
    metrics="$(curl "${tls[@]}" "$url/metrics" || true)"
    metric() {  # the value of a line of /metrics matching $1, or -
      local v; v="$(grep -E "^$1" <<< "$metrics" | head -n 1 | awk '{print $2}')"
      echo "${v:--}"
    }
    [[ "$health" == 200 ]] || down=1
    echo "region=$region healthz=$health" \
      "in_flight=$(metric 'medclear_gateway_settlements_in_flight[ {]')" \
      "claims_sent=$(metric 'medclear_node_claims_sent_total[ {]')" \
      "claims_resent=$(metric 'medclear_node_claims_resent_total[ {]')" \
      "claims_pending=$(metric 'medclear_node_claims_pending[ {]')" \
      "claims_decided=$(metric 'medclear_node_claims_decided_total[ {]')" \
      "settlements_recorded=$(metric 'medclear_node_settlements_recorded_total[ {]')" \
      "dead_letters=$(metric 'medclear_node_dead_letters_total[ {]')" \
      "kafka_lag=$(metric 'medclear_node_kafka_lag_messages[ {]')" \
      "pid=$(cat "$dir/pids/node-$region.pid" 2>/dev/null || echo -)"
  done < "$dir/ports"
  return $down
}

# SIGTERM to each region, then the broker; each must exit 0 within 60 s.
stop() {
  local name="$1"
  if ! alive "$name"; then
    if [[ ! -f "$dir/pids/$name.exit" ]]; then echo "$name: not running"; return 0; fi
    local ended; ended="$(cat "$dir/pids/$name.exit")"
    [[ "$ended" == 0 ]] && { echo "$name: stopped before"; return 0; }
    echo "nation: $name had exited $ended before down (logs/$name.log)" >&2
    return 1
  fi
  kill -TERM "$(cat "$dir/pids/$name.pid")"
  local waited=0
  until [[ -f "$dir/pids/$name.exit" ]]; do
    if (( waited++ >= 600 )); then
      echo "nation: $name did not exit 60 s after SIGTERM; SIGKILL" >&2
      kill -KILL "$(cat "$dir/pids/$name.pid")" 2>/dev/null || true
      return 1
    fi
    sleep 0.1
  done
  local code; code="$(cat "$dir/pids/$name.exit")"
  if [[ "$code" != 0 ]]; then echo "nation: $name exited $code (logs/$name.log)" >&2; return 1; fi
  echo "$name: stopped"
}

down() {
  local failed=0
  for region in $(regions); do stop "node-$region" || failed=1; done
  stop broker || failed=1
  return $failed
}

case "$command" in
  up) up ;;
  status) status ;;
  down) down ;;
  start-region)
    [[ -n "$region_arg" ]] || die "start-region needs a region code"
    alive "node-$region_arg" && die "node-$region_arg is running"
    start_region "$region_arg" ;;
  *) die "usage: ops/nation.sh up|status|down|start-region CODE [--dir DIR] [--regions N] [--persons N|--scenario FILE|--simulated [--seed S]]" ;;
esac
