#!/usr/bin/env bash
# Validates the Prometheus files in deploy/prometheus with Prometheus's own promtool, since no Prometheus runs
# here: the alert rules parse, their unit tests (alerts.test.yml) pass, and the scrape config is valid.
# promtool comes from Debian's `prometheus` package, installed on the fly when running as root in CI.
# That the metric names they use are ones the worker exports is checked by test/integration/production.test.ts.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v promtool >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing promtool (Debian's prometheus package) to validate deploy/prometheus"
    apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends prometheus >/dev/null
  else
    echo "deploy/prometheus: not validated (no promtool; install Prometheus to check it)" >&2
    exit 0
  fi
fi

promtool check rules deploy/prometheus/alerts.yml
promtool test rules deploy/prometheus/alerts.test.yml
# The scrape config names the rules by their path inside the container; check it against the repo's copy.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp deploy/prometheus/alerts.yml "$scratch/alerts.yml"
sed "s#/etc/prometheus/alerts.yml#$scratch/alerts.yml#" deploy/prometheus/prometheus.yml >"$scratch/prometheus.yml"
promtool check config "$scratch/prometheus.yml"
