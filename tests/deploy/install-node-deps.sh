#!/usr/bin/env bash
# Installs the npm packages validate.mjs needs, exactly as package-lock.json pins them. Run by
# ./hattama (setup, test); safe to run again: it does nothing when node_modules is current.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
