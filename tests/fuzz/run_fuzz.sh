#!/usr/bin/env bash
# Runs libFuzzer targets of tests/fuzz for a bounded time or number of inputs and prints, for each,
# the inputs executed and the crashes found (a crash is an input libFuzzer saved as crash-*, leak-*,
# timeout-* or oom-*; the run stops at the first). Exit status 1 when any target crashed.
#
#   tests/fuzz/run_fuzz.sh --time 20 <target binary> <seed corpus dir>   (the ctest label `fuzz`)
#   tests/fuzz/run_fuzz.sh --runs 1000000                                every target of the build
#
# Without a binary, every *_fuzz in ${HATTAMA_BUILD_DIR:-build}/fuzz/bin runs against its corpus
# tests/fuzz/corpus/<target>/. New inputs the fuzzer finds go to a scratch directory, never into
# the repository's corpus; crash inputs are kept in $FUZZ_ARTIFACTS (default: a scratch dir).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
limit=(-max_total_time=20)
while [ $# -gt 0 ]; do
  case "$1" in
    --time) limit=(-max_total_time="$2"); shift 2 ;;
    --runs) limit=(-runs="$2"); shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) break ;;
  esac
done

targets=()
if [ $# -ge 1 ]; then
  targets=("$1|${2:-$ROOT/tests/fuzz/corpus/$(basename "$1")}")
else
  bin="${HATTAMA_BUILD_DIR:-$ROOT/build}/fuzz/bin"
  for binary in "$bin"/*_fuzz; do
    [ -x "$binary" ] && targets+=("$binary|$ROOT/tests/fuzz/corpus/$(basename "$binary")")
  done
  if [ ${#targets[@]} -eq 0 ]; then
    echo "no fuzz targets in $bin (build the project first: ./hattama build)" >&2
    exit 2
  fi
fi

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
artifacts="${FUZZ_ARTIFACTS:-$scratch/artifacts}"
mkdir -p "$artifacts"

failed=0
printf '%-28s %12s %8s %10s %8s\n' target executions seconds "per second" crashes
for entry in "${targets[@]}"; do
  binary="${entry%%|*}"
  seeds="${entry#*|}"
  name="$(basename "$binary")"
  work="$scratch/$name"
  mkdir -p "$work" "$artifacts/$name"
  start=$(date +%s.%N)
  status=0
  # A target without seeds yet starts from nothing rather than failing on a missing directory.
  corpora=("$work")
  [ -d "$seeds" ] && corpora+=("$seeds")
  "$binary" "${limit[@]}" -max_len=8192 -print_final_stats=1 \
    -artifact_prefix="$artifacts/$name/" "${corpora[@]}" >"$work.log" 2>&1 || status=$?
  end=$(date +%s.%N)
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work.log" | tail -1)
  crashes=$(find "$artifacts/$name" -type f \( -name 'crash-*' -o -name 'leak-*' -o \
    -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  rate=$(awk -v n="${executions:-0}" -v s="$seconds" 'BEGIN { printf "%.0f", (s > 0) ? n / s : 0 }')
  printf '%-28s %12s %8s %10s %8s\n' "$name" "${executions:-?}" "$seconds" "$rate" "$crashes"
  if [ "$status" -ne 0 ] || [ "$crashes" -ne 0 ] || [ -z "$executions" ]; then
    failed=1
    echo "--- $name failed (exit status $status); the end of its log:" >&2
    tail -n 40 "$work.log" >&2
    [ "$crashes" -ne 0 ] && echo "crash inputs kept in $artifacts/$name" >&2
  fi
done
# Crash inputs in the scratch dir would vanish with it: keep them next to the build instead.
if [ "$failed" -ne 0 ] && [ -z "${FUZZ_ARTIFACTS:-}" ]; then
  kept="$(mktemp -d /tmp/hattama-fuzz-artifacts.XXXXXX)"
  cp -r "$artifacts"/. "$kept"/
  echo "artifacts copied to $kept" >&2
fi
exit "$failed"
