#!/usr/bin/env bash
# Everything CI checks, in the order that fails fastest: install, format, lint, types, the workflow
# bundle, then every jest suite (unit, then real Temporal server + sandbox, then history replay).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
echo "==> prettier";        npx prettier --check . --log-level warn
echo "==> eslint";          npx eslint . --max-warnings 0
echo "==> tsc";             npx tsc --noEmit -p tsconfig.json && npx tsc --noEmit -p packages/es-sandbox/tsconfig.json
echo "==> workflow bundle"; npx tsx scripts/check-workflow-bundle.ts
echo "==> docker-compose";  bash scripts/check-compose.sh
echo "==> monitoring";      bash scripts/check-monitoring.sh
echo "==> jest"
mkdir -p .data
status=0
npx jest --runInBand --ci --json --outputFile=.data/jest-results.json "$@" || status=$?
# One plain closing line that any CI log reader understands.
node -e '
const r = require("./.data/jest-results.json");
console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);
'
exit $status
