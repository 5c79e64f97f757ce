#!/usr/bin/env bash
# Everything CI checks: install, then the secured tier started in the background (its cluster takes
# minutes to build and start, and its tests wait on Elasticsearch far more than they compute), then, in
# the order that fails fastest, format, lint, types, the workflow bundle, the compose file and the
# monitoring rules, every jest suite on the sandbox (unit, real Temporal server + sandbox, history replay)
# and the real-server tier (scripts/test-real.sh) against a real Elasticsearch 8.19 node. The secured
# tier (scripts/test-secured.sh, a secured three-node HTTPS cluster) writes to .data/secured-tier.log,
# printed when it ends. Two streams of tests on two cores finish in about the time of the longer one.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
mkdir -p .data
status=0
results=()

# The production-shape tier: a secured three-node HTTPS cluster from ../shared/real-es (always there in CI).
secured_pid=
if [ -d ../shared/real-es ]; then
  echo "==> jest: secured three-node Elasticsearch tier, in the background (log in .data/secured-tier.log)"
  rm -f .data/jest-secured-results.json
  # A session of its own, so that one kill stops the tier and everything it started if this script ends early.
  setsid bash -c 'started=$SECONDS; status=0
    env -u ES_URL bash scripts/test-secured.sh --ci --json --outputFile=.data/jest-secured-results.json || status=$?
    echo "==> secured three-node tier took $((SECONDS - started)) s"; exit $status' >.data/secured-tier.log 2>&1 &
  secured_pid=$!
  trap '[ -z "$secured_pid" ] || kill -TERM -- "-$secured_pid" 2>/dev/null || true' EXIT
  results+=(.data/jest-secured-results.json)
else
  echo "==> secured three-node tier skipped: no ../shared/real-es here"
fi

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
results+=(.data/jest-results.json)

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

if [ -n "$secured_pid" ]; then
  echo "==> waiting for the secured three-node tier"
  wait "$secured_pid" || status=1
  secured_pid=
  echo "==> the secured three-node tier's output (.data/secured-tier.log):"
  cat .data/secured-tier.log
fi

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
