#!/usr/bin/env bash
# Starts a real Temporal dev server (from `npm run setup`) with the Web UI and the project's search
# attributes, persisting to .data/temporal.db so workflows survive a restart of the server.
#   TEMPORAL_PORT (7233) and TEMPORAL_UI_PORT (8233) choose the ports; TEMPORAL_DB_FILE the file.
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL=.tools/venv/bin/temporal
if [ ! -x "$TEMPORAL" ]; then
  echo "The Temporal CLI is not installed: run 'npm run setup' first." >&2
  exit 1
fi
mkdir -p .data
exec "$TEMPORAL" server start-dev \
  --port "${TEMPORAL_PORT:-7233}" \
  --ui-port "${TEMPORAL_UI_PORT:-8233}" \
  --db-filename "${TEMPORAL_DB_FILE:-.data/temporal.db}" \
  --search-attribute DataStream=Keyword \
  --search-attribute ReindexState=Keyword \
  --search-attribute BackingIndex=Keyword \
  --search-attribute StandaloneIndex=Keyword \
  --log-level warn
