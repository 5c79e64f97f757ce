#!/usr/bin/env bash
# The production-shape tier: the suites under test/secured against a secured three-node cluster with
# HTTPS and transport TLS from a generated CA (../shared/real-es/cluster.sh start 3 --https), started
# on free ports with its own home and a fresh password, and stopped when done (also on failure).
#
#   npm run test:secured            # needs ../shared/real-es beside the checkout
#
# The suites read the cluster from the variables `cluster.sh env` prints (ES_URL, ES_URLS, ES_USERNAME,
# ES_PASSWORD, ES_CA_FILE) and may kill and restart a node through REAL_ES_CLUSTER_SCRIPT.
# Extra arguments go to jest (test-all passes its JSON output options).
set -euo pipefail
cd "$(dirname "$0")/.."

REAL_ES_DIR="$(cd .. && pwd)/shared/real-es"
NODES=3
if [ ! -x "$REAL_ES_DIR/cluster.sh" ]; then
  echo "no ../shared/real-es beside the checkout: the secured three-node tier needs its cluster.sh" >&2
  exit 2
fi
mkdir -p .data
export REAL_ES_HOME="$PWD/.data/real-es-secured"
export REAL_ES_CLUSTER_SCRIPT="$REAL_ES_DIR/cluster.sh"
# A password of this run's own: nothing secret is written in the repository.
ELASTIC_PASSWORD="$(node -e 'console.log(require("crypto").randomBytes(12).toString("hex"))')"
export ELASTIC_PASSWORD

"$REAL_ES_DIR/cluster.sh" stop >/dev/null 2>&1 || true # nodes an interrupted run left behind
trap '"$REAL_ES_DIR/cluster.sh" stop >/dev/null 2>&1 || true' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "==> building the real Elasticsearch cluster ($REAL_ES_DIR/setup.sh, log in .data/real-es-secured-setup.log)"
# One build at a time: test-all runs this tier beside another that builds its own node.
if ! flock .data/real-es-setup.lock "$REAL_ES_DIR/setup.sh" >.data/real-es-secured-setup.log 2>&1; then
  tail -20 .data/real-es-secured-setup.log >&2
  exit 1
fi

# HTTP ports P..P+N-1 and transport ports P+100..: a base where all of them are free.
base=$(node -e '
const net = require("net");
const free = (port) => new Promise((ok) => { const s = net.createServer(); s.once("error", () => ok(false)); s.listen(port, "127.0.0.1", () => s.close(() => ok(true))); });
(async () => {
  for (let tries = 0; tries < 200; tries++) {
    // Below the Linux ephemeral range (32768 and up), from which the other tiers draw their client ports.
    const base = 20000 + Math.floor(Math.random() * 12000);
    const ports = [];
    for (let i = 0; i < '"$NODES"'; i++) ports.push(base + i, base + 100 + i);
    if ((await Promise.all(ports.map(free))).every(Boolean)) { console.log(base); return; }
  }
  process.exit(1);
})();')
echo "==> starting $NODES secured nodes with HTTPS on ports $base.. (log in .data/real-es-secured-start.log)"
if ! "$REAL_ES_DIR/cluster.sh" start "$NODES" --https --base-port "$base" >.data/real-es-secured-start.log 2>&1; then
  tail -20 .data/real-es-secured-start.log >&2
  exit 1
fi
eval "$("$REAL_ES_DIR/cluster.sh" env)"
echo "==> real Elasticsearch cluster: $ES_URLS (security on, HTTPS, CA $ES_CA_FILE)"
npx jest --runInBand "$@" --selectProjects secured
