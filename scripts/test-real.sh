#!/usr/bin/env bash
# The real-server tier: every suite that can run against a real Elasticsearch, run against one.
#
#   ES_URL=http://localhost:9200 npm run test:real   # any 8.19 cluster with security off
#   npm run test:real                                 # builds ../shared/real-es (8.19.21), starts it on a
#                                                     # free port, stops it when done (also on failure)
#
# Seeding old (7.17) backing indices needs the real-es node's test-only `_set_version_created`
# endpoint; on another cluster the fidelity suite runs, the upgrade suites fail to seed and say why.
# Suites that need the sandbox's own controls (fault injection, request counters) are skipped, each
# saying why. Extra arguments go to jest (test-all passes its JSON output options).
set -euo pipefail
cd "$(dirname "$0")/.."

REAL_ES_DIR="$(cd .. && pwd)/shared/real-es"
SUITES=(
  'test/fidelity/'
  'test/integration/(upgrade|upgrade-failures|worker-kill|http-api|http-api-common-params|migrate-yaml-rest|pause-resume|cli|cluster-plan|cluster-upgrade|request-tracing|verify-content|verify-resume|readiness|standalone-indices|reindex-read-only-backing|disk-watermarks|disk-settings-read|finish-copy-again|quick-copy-follow|copy-attempt-superseded|shard-loss-seen|index-health)\.test\.ts$'
)
# Not here: the reliability short form runs on the secured three-node cluster (scripts/test-secured.sh);
# the compiled entry points upgrade through the same code on the sandbox tier.
mkdir -p .data

if [ -z "${ES_URL:-}" ]; then
  if [ ! -x "$REAL_ES_DIR/start.sh" ]; then
    echo "no real Elasticsearch: set ES_URL=http://host:9200 (security off), or put shared/real-es beside the checkout" >&2
    exit 2
  fi
  # A node of our own: its own home under .data and a free port, so it never meets another one.
  export REAL_ES_HOME="$PWD/.data/real-es-tier"
  "$REAL_ES_DIR/stop.sh" >/dev/null 2>&1 || true # one an interrupted run left behind, by its pid file
  trap '"$REAL_ES_DIR/stop.sh" >/dev/null 2>&1 || true' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  echo "==> building the real Elasticsearch node ($REAL_ES_DIR/setup.sh, log in .data/real-es-setup.log)"
  # One build at a time: test-all runs this tier beside another that builds its own node.
  if ! flock .data/real-es-setup.lock "$REAL_ES_DIR/setup.sh" >.data/real-es-setup.log 2>&1; then
    tail -20 .data/real-es-setup.log >&2
    exit 1
  fi
  port=$(node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')
  ES_URL=$("$REAL_ES_DIR/start.sh" "$port")
  # Tests that restart Elasticsearch use the node's own scripts (with REAL_ES_HOME, exported above).
  export ES_URL REAL_ES_SCRIPTS="$REAL_ES_DIR"
fi

version=$(curl -s "$ES_URL" | node -e 'let t = ""; process.stdin.on("data", (c) => (t += c)).on("end", () => { try { console.log(JSON.parse(t).version.number); } catch { console.log("unreachable"); } });')
echo "==> real Elasticsearch $version at $ES_URL"
npx jest --runInBand "$@" --selectProjects fidelity integration -- "${SUITES[@]}"
