#!/usr/bin/env bash
# Formats the C++ sources with the repository's .clang-format (Google, 100 columns).
#   ops/format.sh          rewrite every tracked .h/.cpp/.cc in place
#   ops/format.sh --check  list the files that differ and fail (CI runs this)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
formatter="$(command -v clang-format-14 || command -v clang-format || true)"
if [[ -z "$formatter" ]]; then
  echo "format.sh: clang-format not found (ops/install-deps.sh --tests installs it)" >&2
  exit 2
fi
mapfile -t files < <(git ls-files '*.h' '*.cpp' '*.cc')
if [[ "${1:-}" == "--check" ]]; then
  bad=0
  for file in "${files[@]}"; do
    if ! "$formatter" --dry-run --Werror "$file" >/dev/null 2>&1; then
      echo "format.sh: $file is not formatted (run ops/format.sh)" >&2
      bad=1
    fi
  done
  exit "$bad"
fi
"$formatter" -i "${files[@]}"
