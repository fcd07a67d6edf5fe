#!/usr/bin/env bash
# The dependency arrows of ARCHITECTURE.md ("Folders and arrows"), enforced: every `#include
# "room/..."` in a room's sources must name the room itself or a room its row lets it include.
# The table is the only statement of the arrows; this reads it, so the doc and the build cannot
# drift. A room is the longest folder of the table that holds the file; tests/ and ops/ are free.
#   tests/arrows_test.sh [ROOT]     exit 0 when clean, 1 listing each include against the arrows
set -euo pipefail
root="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
doc="$root/ARCHITECTURE.md"

# Rows of the table: | room | `folder` | holds | may include (comma-separated rooms or —) |
declare -A folder_of allowed_of
rooms=()
while IFS='|' read -r _ room folder _ may _; do
  room="$(echo "$room" | tr -d ' ')"
  folder="$(echo "$folder" | tr -d ' `')"
  [[ -z "$room" || "$room" == "room" || "$room" == ---* || -z "$folder" ]] && continue
  folder_of[$room]="$folder"
  allowed_of[$room]="$(echo "$may" | tr -d ' ' | tr ',' ' ')"
  rooms+=("$room")
done < <(sed -n '/^## Folders and arrows/,/^## /p' "$doc" | grep '^| ')

if [[ ${#rooms[@]} -lt 5 ]]; then
  echo "arrows: found ${#rooms[@]} rooms in $doc; the table is missing or malformed" >&2
  exit 1
fi

# The room of a path: the longest folder (or exact file) of the table that holds it.
room_of() {
  local path="$1" best="" best_len=0 room
  for room in "${rooms[@]}"; do
    local folder="${folder_of[$room]}"
    if [[ "$path" == "$folder" || "$path" == "$folder"* && "$folder" == */ ]]; then
      if (( ${#folder} > best_len )); then best="$room"; best_len=${#folder}; fi
    fi
  done
  echo "$best"
}

bad=0
checked=0
while IFS= read -r file; do
  own="$(room_of "$file")"
  [[ -z "$own" ]] && continue
  while IFS= read -r included; do
    target="$(room_of "$included")"
    [[ -z "$target" || "$target" == "$own" ]] && continue
    checked=$((checked + 1))
    if [[ " ${allowed_of[$own]} " != *" $target "* ]]; then
      echo "arrows: $file includes $included: room '$own' may not include room '$target'" >&2
      bad=1
    fi
  done < <(grep -oE '^#include "[a-z_/]+\.h"' "$root/$file" | sed -E 's/#include "(.*)"/\1/')
done < <(cd "$root" && git ls-files '*.h' '*.cpp' '*.cc' 2>/dev/null || \
         (cd "$root" && find . -name '*.h' -o -name '*.cpp' -o -name '*.cc' | sed 's|^\./||'))

if [[ $bad -ne 0 ]]; then
  exit 1
fi
echo "arrows: ${#rooms[@]} rooms, $checked includes across rooms, all along the arrows"
