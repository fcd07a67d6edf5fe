#!/usr/bin/env bash
# Installs every Debian package medclear needs to build, test and run, but only those missing.
# Safe to run again and again: when everything is present it does nothing and takes well under a second.
# (curl: ops/nation.sh status asks each region's /healthz and /metrics over mutual TLS.)
#   ops/install-deps.sh          what building and running need
#   ops/install-deps.sh --tests  also what the tests need: headless Chromium renders the audit
#                                report page to a screenshot (with a font for its text) and
#                                checks receipts in adapters/receipt.html (WebCrypto Ed25519);
#                                clang-format checks the sources' format (ops/format.sh --check),
#                                universal-ctags measures function lengths (tests/); prometheus
#                                (and its promtool) scrapes region nodes and checks the alert rules;
#                                systemd-analyze checks the units of ops/systemd; jq and python3
#                                read JSON in the process-level tests (tests/process); Node.js
#                                and npm run the FHIR R4 schema validator (tests/fhir, whose npm
#                                packages ctest fhir_conformance installs with `npm ci`) and
#                                playwright-core, which drives Debian's Chromium through the
#                                console with client certificates (tests/console, installed the
#                                same way by ctest console); a Chinese font, as the reports name
#                                provinces in Chinese
#   ops/install-deps.sh --pdf    headless Chromium and the fonts to print the audit report as a
#                                PDF (ops/report-pdf.sh)
#   ops/install-deps.sh --fuzz   also clang and its compiler-rt (libclang_rt.fuzzer, ASan, UBSan)
#                                for the libFuzzer targets (ops/fuzz.sh)
#   ops/install-deps.sh --bench  also what flame graphs need (ops/flamegraph.sh): linux-perf to
#                                sample, Node.js and npm for the renderer (an npm package that
#                                ops/flamegraph.sh installs under ops/.npm), headless Chromium and
#                                a font to turn the SVG into a PNG
set -euo pipefail

packages=(
  build-essential cmake pkg-config ccache
  libboost1.81-dev libboost-system1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libboost-program-options1.81-dev
  librocksdb-dev librdkafka-dev libspdlog-dev libfmt-dev libssl-dev prometheus-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  curl
)
for mode in "$@"; do
  case "$mode" in
    --tests)
      packages+=(chromium fonts-dejavu-core fonts-wqy-microhei clang-format-14 universal-ctags
                 prometheus systemd jq python3 nodejs)
      if ! command -v npm >/dev/null; then packages+=(npm); fi
      ;;
    --pdf) packages+=(chromium fonts-dejavu-core fonts-wqy-microhei) ;;
    # Debian 12 ships libFuzzer's runtime for -fsanitize=fuzzer in libclang-rt-14-dev.
    --fuzz) packages+=(clang clang-14 libclang-rt-14-dev) ;;
    # Some machines have a Node.js that carries its own npm (then Debian's npm would conflict).
    --bench)
      packages+=(linux-perf nodejs chromium fonts-dejavu-core)
      if ! command -v npm >/dev/null; then packages+=(npm); fi
      ;;
    *) echo "usage: ops/install-deps.sh [--tests] [--pdf] [--fuzz] [--bench]" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
