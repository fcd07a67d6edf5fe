#!/usr/bin/env bash
# Installs what is missing, then configures and builds medclear into build/<kind>.
#   ops/build.sh                     release build (RelWithDebInfo) in build/release
#   ops/build.sh sanitize            ASan+UBSan build in build/sanitize (no benchmarks)
#   ops/build.sh optimized           Release (-O3) in build/optimized, -Werror as everywhere
#   ops/build.sh KIND TARGET...      only those targets (ops/demo.sh builds only `medclear`)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
kind="${1:-release}"
shift || true
targets=()
for target in "$@"; do targets+=(--target "$target"); done
"$root/ops/install-deps.sh"

case "$kind" in
  release) flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  sanitize) flags=(-DCMAKE_BUILD_TYPE=Debug -DMEDCLEAR_SANITIZE=ON -DMEDCLEAR_BENCHMARKS=OFF) ;;
  optimized) flags=(-DCMAKE_BUILD_TYPE=Release) ;;
  *) echo "usage: ops/build.sh [release|sanitize|optimized] [TARGET...]" >&2; exit 2 ;;
esac

# Paths in the compiler cache are relative to the checkout, so a fresh clone elsewhere (CI) reuses
# what an earlier build compiled (debug info then names the earlier folder: harmless).
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$root}" CCACHE_NOHASHDIR=1
build="$root/build/$kind"
mkdir -p "$root/build"
cmake -S "$root" -B "$build" "${flags[@]}" > "$build.configure.log" 2>&1 \
  || { cat "$build.configure.log"; exit 1; }
cmake --build "$build" -j"$(nproc)" "${targets[@]}"
