#!/usr/bin/env bash
# Everything CI checks, in two streams that share the machine's cores:
# - in the background, the Elasticsearch tiers, each against a real 8.19 server from ../shared/real-es:
#   the production-shape tier (scripts/test-secured.sh, a secured three-node HTTPS cluster), then the
#   real-server tier (scripts/test-real.sh, one node, or the cluster in ES_URL). Their clusters take
#   minutes to build and start, and their tests mostly wait on Elasticsearch. Output in .data/es-tiers.log,
#   printed when they end.
# - in the foreground, in the order that fails fastest: format, lint, types, the workflow bundle, the
#   compose file, the monitoring rules, then every jest suite on the sandbox (unit, real Temporal server +
#   sandbox, history replay).
# One after the other they took 37 minutes on a busy 2-core machine; side by side, about the longer one.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
mkdir -p .data
rm -f .data/jest-results.json .data/jest-secured-results.json .data/jest-real-results.json

# The Elasticsearch tiers, one after the other.
es_tiers() {
  local status=0 started
  if [ -d ../shared/real-es ]; then
    echo "==> jest: secured three-node Elasticsearch tier"
    started=$SECONDS
    env -u ES_URL bash scripts/test-secured.sh --ci --json --outputFile=.data/jest-secured-results.json || status=1
    echo "==> secured three-node tier took $((SECONDS - started)) s"
  else
    echo "==> secured three-node tier skipped: no ../shared/real-es here"
  fi
  if [ -n "${ES_URL:-}" ] || [ -d ../shared/real-es ]; then
    echo "==> jest: real Elasticsearch tier"
    started=$SECONDS
    bash scripts/test-real.sh --ci --json --outputFile=.data/jest-real-results.json || status=1
    echo "==> real Elasticsearch tier took $((SECONDS - started)) s"
  else
    echo "==> real Elasticsearch tier skipped: no ../shared/real-es here; against any cluster: ES_URL=http://host:9200 npm run test:real"
  fi
  return $status
}
export -f es_tiers

status=0
results=(.data/jest-results.json)
[ ! -d ../shared/real-es ] || results+=(.data/jest-secured-results.json)
[ -z "${ES_URL:-}" ] && [ ! -d ../shared/real-es ] || results+=(.data/jest-real-results.json)
echo "==> the Elasticsearch tiers start in the background (log in .data/es-tiers.log, printed when they end)"
# A session of their own, so that one kill stops them and all they started if this script ends early.
setsid bash -c es_tiers >.data/es-tiers.log 2>&1 &
es_tiers_pid=$!
trap '[ -z "$es_tiers_pid" ] || kill -TERM -- "-$es_tiers_pid" 2>/dev/null || true' EXIT

echo "==> prettier";        npx prettier --check . --log-level warn
echo "==> eslint";          npx eslint . --max-warnings 0
echo "==> tsc";             npx tsc --noEmit -p tsconfig.json && npx tsc --noEmit -p packages/es-sandbox/tsconfig.json
echo "==> workflow bundle"; npx tsx scripts/check-workflow-bundle.ts
echo "==> docker-compose";  bash scripts/check-compose.sh
echo "==> monitoring";      bash scripts/check-monitoring.sh
echo "==> jest: sandbox tier"
started=$SECONDS
# This tier is the in-process sandbox's; a cluster named in ES_URL is the real tier's.
env -u ES_URL npx jest --runInBand --ci --json --outputFile=.data/jest-results.json \
  --selectProjects unit workflows sandbox fidelity integration replay reliability "$@" || status=$?
echo "==> sandbox tier took $((SECONDS - started)) s"

echo "==> waiting for the Elasticsearch tiers"
wait "$es_tiers_pid" || status=1
es_tiers_pid=
echo "==> the Elasticsearch tiers' output (.data/es-tiers.log):"
cat .data/es-tiers.log

# One plain closing line, over every tier, that any CI log reader understands.
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
