#!/usr/bin/env bash
# The engine's latency and throughput, measured as an application sees them: the official openai-java
# SDK pointed at the front door, in front of the emulator enforcing 6,000 RPM per 1 s window with
# 50 ms latency, on a real broker and Flink in local mode (FrontDoorSdkTest). Prints a table: at the
# limit (200 clients, 2,000 requests) and at a steady half of it, p50/p99 end to end, the upstream's,
# the engine's added latency, requests per second; upstream and front-door 429s.
#
#   run-scripts/bench-engine.sh [-Dbench.maxBundleSize=N] [-Dbench.maxBundleTimeMills=MS]
#                               [-Dbench.clients=200] [-Dbench.requests=2000] [-Dbench.steadyPerSecond=50]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
repo=()
[[ -z "${MAVEN_REPO:-}" || "$MAVEN_REPO" == "$HOME/.m2/repository" ]] || repo=("-Dmaven.repo.local=$MAVEN_REPO")
log="$(mktemp)"
if ! (cd "$ROOT" && mvn -B "${repo[@]}" -pl pipelines/job -am test -Dtest=FrontDoorSdkTest \
    -Dsurefire.failIfNoSpecifiedTests=false "$@") > "$log" 2>&1; then
  tail -n 60 "$log" >&2
  echo "bench-engine: failed (whole log: $log)" >&2
  exit 1
fi
cat "$ROOT/pipelines/job/target/bench-engine.txt"
rm -f "$log"
