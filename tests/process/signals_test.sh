#!/usr/bin/env bash
# Signals to a region process (ops/nation.sh, two regions): SIGHUP reloads the gateway's
# certificates ("reload ok" on its stdout) while it keeps answering; a certificate file that does
# not load is refused ("reload failed: …") and the gateway keeps serving with what it had; the
# good file back and SIGHUP again: "reload ok". Then SIGTERM (ops/nation.sh down): every process
# exits 0 and the node says it stopped.
# Usage: signals_test.sh BUILD_DIR (holding gateway/medclear)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
export MEDCLEAR_BIN="$(realpath "$1")/gateway/medclear"
dir="$(mktemp -d "${TMPDIR:-/tmp}/medclear-signals.XXXXXX")"
nation() { "$root/ops/nation.sh" "$@" --dir "$dir"; }
trap 'nation down > /dev/null 2>&1 || true; rm -rf "$dir"' EXIT

nation up --regions 2 > "$dir/up.log" 2>&1 || { cat "$dir/up.log"; exit 1; }
read -r region port < "$dir/ports"
pid="$(cat "$dir/pids/node-$region.pid")"
log="$dir/logs/node-$region.log"
certificate="$(jq -r .gateway.certificate_file "$dir/nodes/node-$region.json")"
fail() { echo "FAIL: $*"; tail -n 20 "$log"; exit 1; }

# Waits until PATTERN has matched COUNT lines of the node's log (10 s at most).
wait_for() {
  for _ in $(seq 100); do
    [[ "$(grep -c -- "$1" "$log" || true)" -ge "$2" ]] && return 0
    sleep 0.1
  done
  return 1
}
healthz() {
  curl --silent --max-time 5 --cacert "$dir/pki/ca.pem" --cert "$dir/pki/regulator.pem" \
    --key "$dir/pki/regulator.key" -o /dev/null -w '%{http_code}' "https://127.0.0.1:$port/healthz"
}

kill -HUP "$pid"
wait_for '^reload ok$' 1 || fail "no 'reload ok' after SIGHUP"
[[ "$(healthz)" == 200 ]] || fail "healthz after the reload"

cp "$certificate" "$dir/good.pem"
echo "not a certificate" > "$certificate"
kill -HUP "$pid"
wait_for '^reload failed' 1 || fail "a broken certificate file was not refused"
[[ "$(healthz)" == 200 ]] || fail "healthz after a refused reload: the old certificate should serve"
cp "$dir/good.pem" "$certificate"
kill -HUP "$pid"
wait_for '^reload ok$' 2 || fail "no second 'reload ok' with the good file back"
kill -0 "$pid" || fail "the node died on SIGHUP"

nation down > "$dir/down.log" 2>&1 || { cat "$dir/down.log"; fail "a process did not exit 0 on SIGTERM"; }
grep -q "^stopped region=$region" "$log" || fail "the node did not report its graceful stop"
echo "signals: reload ok, broken file refused and served on, reload ok again, SIGTERM exit 0"
