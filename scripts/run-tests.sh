#!/usr/bin/env bash
# Runs the test suite with Node's own test runner (Node 20 has no --test globs, so we list files).
# Usage: scripts/run-tests.sh [unit|e2e|integration|examples|all]
set -euo pipefail
cd "$(dirname "$0")/.."
scope="${1:-all}"
case "$scope" in
  all) dirs=(test/unit test/examples test/integration test/e2e) ;;
  *) dirs=("test/$scope") ;;
esac
mapfile -t files < <(find "${dirs[@]}" -name '*.test.ts' 2>/dev/null | sort)
if [ "${#files[@]}" -eq 0 ]; then
  echo "no test files under ${dirs[*]}" >&2
  exit 1
fi
# One file at a time: the e2e files each start real servers, and the machine has two cores.
exec node --import tsx --test --test-concurrency=1 --test-timeout=240000 --test-reporter=spec "${files[@]}"
