#!/usr/bin/env bash
# The main job: installs what is missing, builds, and runs the demo. Until the simulator lands
# (issue 7) the demo is the offline engine over the worked examples of DOMAIN.md.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/ops/build.sh" release >&2
"$root/build/release/gateway/medclear" adjudicate --scenario "$root/tests/scenarios/worked_examples.json" "$@"
