#!/usr/bin/env bash
# Budget benchmark (issue 3): efficiency against the ideal time a rate limit allows, 429s, rows
# lost and failure rows, all against the bundled emulator: the RPM-bound, TPM-bound, lenient and
# Flink cases; the job without --rpm/--tpm (noflags); the service's two ways of reporting what is
# left, per minute as OpenAI (minute, minute4 on Flink at parallelism 4) and per window as gateways
# (window, window4); a service that reports nothing, without --rpm (noheaders); and key pools
# (issue 15, --keysFile, each member's key with its own limits at the emulator, 1 s windows):
# three members at 3,000 + 2,000 + 1,000 RPM on the direct runner (pool) and on Flink local at
# parallelism 4 (pool4), and four members of which one's quota ends after 300 calls and one's key
# is wrong (poolfaults). The pool cases add a second table, a row per member: its calls, 429s as a
# share of them, quota and auth errors, calls after its first refusal, and each live member's share
# of the accepted calls against its share of the limits.
# Two jobs on one account (issue 16, each in a JVM of its own, 3,000 rows each, each told the whole
# 6,000 RPM): twojobs (without and with a budget store, a redis-server of the bench's own), weights
# (3:1 through the store) and storerestart (redis-server killed for 5 s mid-run); also
# run-scripts/bench-store.sh.
# Options: --cases=rpm,tpm,lenient,flink4,noflags,minute,window,minute4,window4,noheaders,pool,
# pool4,poolfaults,twojobs,weights,storerestart (the default: all but weights and storerestart)
# --scale=1.0 (fraction of the issue's row counts)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
"$ROOT/run-scripts/ensure-redis.sh"
ensure_jar
cd "$ROOT"
run_bench -Xmx4g dev.openaibeam.bench.BudgetBench "$@"
