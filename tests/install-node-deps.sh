#!/usr/bin/env bash
# Installs the npm packages of the test directories given (tests/deploy: the manifest schemas;
# tests/portal: playwright-core, which drives Debian's Chromium), exactly as each
# package-lock.json pins them. Run by ./hattama (setup, test); safe to run again: a directory
# whose node_modules is current is left alone.
set -euo pipefail
for dir in "$@"; do
  if [ -d "$dir/node_modules" ] && [ "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ]; then
    continue
  fi
  echo "== installing npm packages in $dir"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
done
