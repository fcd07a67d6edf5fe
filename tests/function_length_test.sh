#!/usr/bin/env bash
# Functions that fit on a screen (shared STYLE.md: stop at 70 lines): every function of the
# production rooms (clearing/, adapters/, ledger/, gateway/, simulator/), measured by Universal
# Ctags from the line of its name to the line that closes it, on the tree as .clang-format lays
# it out. ops/install-deps.sh --tests installs universal-ctags.
#   tests/function_length_test.sh [ROOT] [MAX]   exit 0 when none is longer than MAX (default 70)
#   LIST=K tests/function_length_test.sh         also print the K longest
set -euo pipefail
root="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
max="${2:-70}"
if ! command -v ctags >/dev/null; then
  echo "functions: ctags not found (ops/install-deps.sh --tests installs universal-ctags)" >&2
  exit 2
fi
cd "$root"
mapfile -t files < <(git ls-files 'clearing/*.cpp' 'adapters/*.cpp' 'ledger/*.cpp' \
                     'gateway/*.cpp' 'simulator/*.cpp' 'clearing/*.h' 'adapters/*.h' \
                     'ledger/*.h' 'gateway/*.h' 'simulator/*.h')
lengths="$(ctags -x --language-force=c++ --kinds-c++=f --fields=+ne \
           --_xformat='%e %n %F %N' "${files[@]}" | awk 'NF >= 4 { print $1 - $2 + 1, $3 ":" $2, $4 }' \
           | sort -rn)"
if [[ -n "${LIST:-}" ]]; then
  echo "$lengths" | head -n "$LIST"
fi
over="$(echo "$lengths" | awk -v max="$max" '$1 > max')"
count="$(echo "$lengths" | grep -c . || true)"
if [[ -n "$over" ]]; then
  echo "$over" | awk -v max="$max" '{ print "functions: " $2 " " $3 " is " $1 " lines (at most " max ")" }' >&2
  echo "functions: $count measured, $(echo "$over" | grep -c .) over $max lines" >&2
  exit 1
fi
echo "functions: $count measured, none over $max lines"
