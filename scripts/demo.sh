#!/usr/bin/env bash
# `npm run demo`: installs what is missing, then runs the demo (scripts/demo.ts). Ctrl-C stops it all.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node --import tsx scripts/demo.ts "$@"
