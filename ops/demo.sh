#!/usr/bin/env bash
# The main job: installs what is missing, builds, and runs `medclear demo` — a simulated nation of
# 31 regions through the Kafka path into every region's ledger, sealed, verified, reconciled and
# netted, with a summary at the end. Extra arguments go to the demo (medclear demo --help).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/ops/build.sh" release medclear >&2  # only what the demo runs: no tests, no benchmarks
exec "$root/build/release/gateway/medclear" demo "$@"
