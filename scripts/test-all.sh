#!/usr/bin/env bash
# Everything CI checks, in three streams that share the machine's cores:
# - in the foreground, in the order that fails fastest: format, lint, types, the workflow bundle, the
#   compose file, the monitoring rules, then every jest suite on the sandbox (unit, real Temporal server +
#   sandbox, history replay);
# - in the background, each against a real Elasticsearch 8.19 from ../shared/real-es: the production-shape
#   tier (scripts/test-secured.sh, a secured three-node HTTPS cluster) and the real-server tier
#   (scripts/test-real.sh, one node, or the cluster in ES_URL). Their clusters take minutes to build and
#   start, and their tests mostly wait: on Elasticsearch, on throttled copies, on nodes restarting.
# One after the other the tiers took 37 minutes on a busy 2-core machine; side by side, about the longest.
# The background tiers write to .data/<tier>-tier.log, printed when the foreground is done.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
mkdir -p .data
rm -f .data/jest-results.json .data/jest-secured-results.json .data/jest-real-results.json

secured_tier() {
  env -u ES_URL bash scripts/test-secured.sh --ci --json --outputFile=.data/jest-secured-results.json
}
real_tier() {
  bash scripts/test-real.sh --ci --json --outputFile=.data/jest-real-results.json
}
export -f secured_tier real_tier

status=0
results=(.data/jest-results.json)
background=()
# Starts tier $1 in a session of its own (one kill stops it and all it started, if this script ends early).
start_background_tier() {
  echo "==> jest: $1 tier, in the background (log in .data/$1-tier.log)"
  setsid bash -c 'started=$SECONDS; status=0; '"$1"'_tier || status=$?
    echo "==> '"$1"' tier took $((SECONDS - started)) s"; exit $status' >".data/$1-tier.log" 2>&1 &
  background+=("$1:$!")
  results+=(".data/jest-$1-results.json")
}
stop_background_tiers() {
  for tier in "${background[@]}"; do kill -TERM -- "-${tier#*:}" 2>/dev/null || true; done
}
trap stop_background_tiers EXIT

if [ -d ../shared/real-es ]; then
  start_background_tier secured
else
  echo "==> secured three-node tier skipped: no ../shared/real-es here"
fi
if [ -n "${ES_URL:-}" ] || [ -d ../shared/real-es ]; then
  start_background_tier real
else
  echo "==> real Elasticsearch tier skipped: no ../shared/real-es here; against any cluster: ES_URL=http://host:9200 npm run test:real"
fi

echo "==> prettier";        npx prettier --check . --log-level warn
echo "==> eslint";          npx eslint . --max-warnings 0
echo "==> tsc";             npx tsc --noEmit -p tsconfig.json && npx tsc --noEmit -p packages/es-sandbox/tsconfig.json
echo "==> workflow bundle"; npx tsx scripts/check-workflow-bundle.ts
echo "==> docker-compose";  bash scripts/check-compose.sh
echo "==> monitoring";      bash scripts/check-monitoring.sh
echo "==> jest: sandbox tier"
started=$SECONDS
# This tier is the in-process sandbox's; a cluster named in ES_URL is the real tier's. Two files at a time:
# each has its own sandbox and Temporal server, and most of their time is spent waiting on them.
env -u ES_URL npx jest --maxWorkers=2 --ci --json --outputFile=.data/jest-results.json \
  --selectProjects unit workflows sandbox fidelity integration replay reliability "$@" || status=$?
echo "==> sandbox tier took $((SECONDS - started)) s"

for tier in "${background[@]}"; do
  echo "==> waiting for the ${tier%%:*} tier"
  wait "${tier#*:}" || status=1
  echo "==> the ${tier%%:*} tier's output (.data/${tier%%:*}-tier.log):"
  cat ".data/${tier%%:*}-tier.log"
done
background=()

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
