#!/usr/bin/env bash
# Budget store benchmark (issue 16): two jobs on one account, each a JVM of its own, each told the
# account's whole limit (6,000 RPM, enforced per 1 s window by the emulator): without a budget store
# (the baseline), with one, with weights 3:1 (two keys of one account, one --budgetName), and with
# redis-server killed for 5 s mid-run. Starts its own redis-server on a free port (installed by
# ensure-redis.sh when missing). Options: --cases=nostore,store,weights,restart --rows=3000
set -euo pipefail
source "$(dirname "$0")/lib.sh"
"$ROOT/run-scripts/ensure-redis.sh"
ensure_jar
cd "$ROOT"
run_bench -Xmx1g dev.openaibeam.bench.StoreBench "$@"
