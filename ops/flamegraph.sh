#!/usr/bin/env bash
# A flame graph of a command: samples it with perf (499 Hz, call graphs) and renders an SVG, and a
# PNG of it for pages that do not show SVG inline, into docs/bench/NAME.svg and NAME.png.
#   ops/flamegraph.sh NAME [--pid-file FILE] -- COMMAND...
#     --pid-file FILE   keep only the samples of the process whose id COMMAND wrote to FILE (the
#                       HTTPS benchmark's server: bench_gateway serve writes DIR/pid)
# Environment: MEDCLEAR_PERF_CALLGRAPH=dwarf|fp (dwarf: the release build keeps no frame
# pointers, so frame-pointer stacks stop early; default dwarf), MEDCLEAR_PERF_STACK (bytes of
# stack copied per sample with dwarf, 16384; less keeps long runs' perf.data smaller),
# MEDCLEAR_FLAMEGRAPH_OUT (folder, docs/bench).
# Installs what it needs: ops/install-deps.sh --bench (linux-perf, Node.js, Chromium), and the npm
# package `flamegraph` (pinned) under ops/.npm, which git ignores.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
usage() { echo "usage: ops/flamegraph.sh NAME [--pid-file FILE] -- COMMAND..." >&2; exit 2; }
[[ $# -ge 3 ]] || usage
name="$1"; shift
pid_file=""
while [[ $# -gt 0 && "$1" != "--" ]]; do
  case "$1" in
    --pid-file) pid_file="$2"; shift 2 ;;
    *) usage ;;
  esac
done
[[ "${1:-}" == "--" ]] || usage
shift

"$root/ops/install-deps.sh" --bench
npm_dir="$root/ops/.npm"
renderer="$npm_dir/node_modules/.bin/flamegraph"
if [[ ! -x "$renderer" ]]; then
  npm install --prefix "$npm_dir" --no-save --no-package-lock --no-audit --no-fund \
    flamegraph@1.3.0 >&2
fi

out="${MEDCLEAR_FLAMEGRAPH_OUT:-$root/docs/bench}"
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
case "${MEDCLEAR_PERF_CALLGRAPH:-dwarf}" in
  # 16 KB of stack per sample: enough for the coroutine and Kafka stacks, small enough to keep.
  dwarf) callgraph=(--call-graph "dwarf,${MEDCLEAR_PERF_STACK:-16384}") ;;
  fp) callgraph=(-g) ;;
  *) echo "flamegraph: MEDCLEAR_PERF_CALLGRAPH is dwarf or fp" >&2; exit 2 ;;
esac
perf record -F 499 "${callgraph[@]}" -o "$work/perf.data" -- "$@"

filter=()
if [[ -n "$pid_file" ]]; then
  filter=(--pid "$(cat "$pid_file")")
fi
# Frames without offsets or inlined functions (resolving those takes minutes); C++ names without
# template arguments and parameter lists (they run to a thousand characters in Asio), and nothing
# the renderer would put into the SVG unescaped.
perf script --no-inline -i "$work/perf.data" -F comm,pid,time,event,ip,sym,dso "${filter[@]}" 2>/dev/null \
  | perl -ne '
      if (/^(\s+[0-9a-f]+ )(.*) (\([^()]*\))$/) {
        my ($ip, $sym, $dso) = ($1, $2, $3);
        $sym =~ s/\(anonymous namespace\)/anon/g;
        1 while $sym =~ s/<[^<>]*>//g;
        1 while $sym =~ s/\([^()]*\)//g;
        $sym =~ s/[&<>"\x27]/_/g;
        $dso =~ s/[&<>"\x27]/_/g;
        $_ = "$ip$sym $dso\n";
      }
      print' > "$work/perf.txt"
# Frames narrower than 2 px of 1,200 are left out: the SVG stays well under 1 MB.
# The renderer's own template writes "&&" into attributes and comments its title out: mended, so
# that the SVG is well-formed XML (browsers refuse it otherwise) and says what it shows.
"$renderer" -t perf --minwidth 2 --titletext "medclear: $name" < "$work/perf.txt" \
  | sed -e "s/typeof [sc] === 'function' && //g" -e 's/<!--\(<text .*\)-->/\1/' \
  > "$out/$name.svg"
height="$(sed -n 's/.*data-height="\([0-9]*\)".*/\1/p' "$out/$name.svg" | sed -n 1p)"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --window-size="1200,${height:-800}" --screenshot="$out/$name.png" "file://$out/$name.svg" \
  >/dev/null 2>&1
echo "flamegraph: $out/$name.svg ($(du -k "$out/$name.svg" | cut -f1) KB)," \
  "$out/$name.png ($(du -k "$out/$name.png" | cut -f1) KB), $(grep -c . "$work/perf.txt") lines of samples"
