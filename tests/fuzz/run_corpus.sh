#!/usr/bin/env bash
# Runs a fuzz target once over every file in the given folders (libFuzzer executes file
# arguments one by one, without fuzzing): the committed corpus and the regressions stay green.
#   run_corpus.sh TARGET DIR...
set -euo pipefail
target="$1"; shift
files=()
for dir in "$@"; do
  [ -d "$dir" ] || continue
  while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$dir" -type f ! -name '.*' -print0 | sort -z)
done
if [ ${#files[@]} -eq 0 ]; then echo "no inputs"; exit 0; fi
exec "$target" -rss_limit_mb=2048 -timeout=60 "${files[@]}"
