#!/usr/bin/env bash
# The long version of the ledger crash test: SIGKILL a child appending under load ROUNDS times
# (default 1000), verifying the ledger after each restart. MEDCLEAR_SEED=<n> replays a run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/ops/build.sh" release >&2
MEDCLEAR_CRASH_ROUNDS="${1:-1000}" "$root/build/release/tests/unit_tests" \
  --gtest_filter='LedgerCrash.*'
