#!/usr/bin/env bash
# Everything CI checks, in the order that fails fastest: install, format, lint, types, the workflow
# bundle, then every jest suite on the sandbox (unit, then real Temporal server + sandbox, then history
# replay), then the real-server tier (scripts/test-real.sh) against a real Elasticsearch 8.19 node, then
# the production-shape tier (scripts/test-secured.sh) against a secured three-node HTTPS cluster.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
echo "==> prettier";        npx prettier --check . --log-level warn
echo "==> eslint";          npx eslint . --max-warnings 0
echo "==> tsc";             npx tsc --noEmit -p tsconfig.json && npx tsc --noEmit -p packages/es-sandbox/tsconfig.json
echo "==> workflow bundle"; npx tsx scripts/check-workflow-bundle.ts
echo "==> docker-compose";  bash scripts/check-compose.sh
echo "==> monitoring";      bash scripts/check-monitoring.sh
echo "==> jest: sandbox tier"
mkdir -p .data
status=0
started=$SECONDS
# This tier is the in-process sandbox's; a cluster named in ES_URL is the real tier's.
env -u ES_URL npx jest --runInBand --ci --json --outputFile=.data/jest-results.json \
  --selectProjects unit workflows sandbox fidelity integration replay reliability "$@" || status=$?
echo "==> sandbox tier took $((SECONDS - started)) s"
results=(.data/jest-results.json)

# The real-server tier: against ES_URL if set, else against ../shared/real-es (always there in CI).
if [ -n "${ES_URL:-}" ] || [ -d ../shared/real-es ]; then
  echo "==> jest: real Elasticsearch tier"
  started=$SECONDS
  rm -f .data/jest-real-results.json
  bash scripts/test-real.sh --ci --json --outputFile=.data/jest-real-results.json || status=1
  echo "==> real Elasticsearch tier took $((SECONDS - started)) s"
  results+=(.data/jest-real-results.json)
else
  echo "==> real Elasticsearch tier skipped: no ../shared/real-es here; against any cluster: ES_URL=http://host:9200 npm run test:real"
fi

# The production-shape tier: a secured three-node HTTPS cluster from ../shared/real-es (always there in CI).
if [ -d ../shared/real-es ]; then
  echo "==> jest: secured three-node Elasticsearch tier"
  started=$SECONDS
  rm -f .data/jest-secured-results.json
  env -u ES_URL bash scripts/test-secured.sh --ci --json --outputFile=.data/jest-secured-results.json || status=1
  echo "==> secured three-node tier took $((SECONDS - started)) s"
  results+=(.data/jest-secured-results.json)
else
  echo "==> secured three-node tier skipped: no ../shared/real-es here"
fi

# One plain closing line, over both tiers, that any CI log reader understands.
node -e '
const fs = require("fs");
const total = { passed: 0, failed: 0, skipped: 0 };
for (const file of process.argv.slice(1)) {
  if (!fs.existsSync(file)) {
    console.log(`${file}: no results (the run did not finish)`);
    total.failed += 1;
    continue;
  }
  const r = JSON.parse(fs.readFileSync(file, "utf8"));
  total.passed += r.numPassedTests;
  total.failed += r.numFailedTests;
  total.skipped += r.numPendingTests;
}
console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
' "${results[@]}"
exit $status
