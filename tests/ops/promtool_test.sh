#!/usr/bin/env bash
# The alert rules (docker/prometheus/alerts.yml) under Debian's promtool:
# `promtool check rules` (syntax, PromQL, templates), `promtool test rules`
# (alerts_test.yml: each alert against synthetic series, firing and not), and
# a broken copy of the rules, which check must refuse.
set -euo pipefail
promtool=/usr/bin/promtool
[[ -x $promtool ]] || { echo "promtool is missing: apt-get install -y prometheus" >&2; exit 1; }
rules=$TEST_SRCDIR/sts/docker/prometheus
"$promtool" check rules "$rules/alerts.yml"
# promtool resolves rule_files beside the test file.
"$promtool" test rules "$rules/alerts_test.yml"

broken=$TEST_TMPDIR/broken
mkdir -p "$broken"
sed 's/expr: sts_redis_up == 0/expr: sts_redis_up ==/' "$rules/alerts.yml" >"$broken/alerts.yml"
if "$promtool" check rules "$broken/alerts.yml" >"$broken/out" 2>&1; then
  echo "promtool accepted a rule whose expression is cut short" >&2
  exit 1
fi
grep -q "StsRedisUnreachable\|parse error" "$broken/out" || { cat "$broken/out" >&2; exit 1; }
echo "promtool: rules checked, unit tests passed, a broken rule refused"
