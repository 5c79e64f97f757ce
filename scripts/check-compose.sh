#!/usr/bin/env bash
# Validates docker-compose.yml with Docker's own parser, since no engine runs here to try it:
# `docker compose config` if the plugin is there, else `docker-compose config` (Debian's package,
# installed on the fly when running as root in CI). It also checks every ${VARIABLE} the file uses is
# documented in the README's configuration table.
set -euo pipefail
cd "$(dirname "$0")/.."

if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose)
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> installing docker-compose from Debian to validate docker-compose.yml"
  apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq docker-compose >/dev/null
  compose=(docker-compose)
else
  echo "docker-compose.yml: not validated (no 'docker compose' or 'docker-compose'; install one to check it)" >&2
  exit 0
fi

"${compose[@]}" -f docker-compose.yml config -q
echo "docker-compose.yml: valid ($("${compose[@]}" -f docker-compose.yml config --services | xargs))"

missing=0
for variable in $(grep -o '\${[A-Z_]*' docker-compose.yml | tr -d '${' | sort -u); do
  if ! grep -q "\`$variable\`" README.md; then
    echo "docker-compose.yml uses \${$variable}, which README.md does not document" >&2
    missing=1
  fi
done
exit $missing
