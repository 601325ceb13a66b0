#!/usr/bin/env bash
# The long-running engine: a Kafka broker (run-scripts/kafka.sh, unless --bootstrapServers names
# another), the streaming pipeline (Flink in local mode, or a cluster: --flinkMaster=host:port
# --filesToStage=<bundled jar>) and the front door, an OpenAI-compatible HTTP server on 127.0.0.1.
# Runs until SIGTERM or Ctrl-C, which stops the front door, cancels the pipeline and stops the broker
# it started.
#
#   run-scripts/launch-engine.sh --baseUrl=... --apiKeyFile=... --rpm=6000 --tpm=2000000 \
#     [--frontDoorPort=8000] [--maxConcurrentRequests=10000] [--rateLimitWindowSeconds=1] \
#     [--maxInFlight=0] [--input='/watched/*.jsonl'] [every option of run.sh]
#
# Environment: KAFKA_DIR, KAFKA_PORT (see kafka.sh), JAVA_OPTS, MAVEN_REPO.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_jar

args=("$@")
bootstrap=""
for a in "${args[@]}"; do
  case "$a" in --bootstrapServers=*) bootstrap="${a#--bootstrapServers=}" ;; esac
done
started_kafka=0
if [[ -z "$bootstrap" ]]; then
  "$ROOT/run-scripts/kafka.sh" start
  started_kafka=1
  bootstrap="127.0.0.1:$("$ROOT/run-scripts/kafka.sh" port)"
  args+=("--bootstrapServers=$bootstrap")
fi

engine_pid=""
stop() {
  trap - TERM INT
  if [[ -n "$engine_pid" ]] && kill -0 "$engine_pid" 2>/dev/null; then
    kill -TERM "$engine_pid" 2>/dev/null || true
    wait "$engine_pid" 2>/dev/null || true
  fi
  if [[ "$started_kafka" -eq 1 ]]; then "$ROOT/run-scripts/kafka.sh" stop; fi
  echo "openai-beam engine: everything stopped" >&2
}
trap 'stop; exit 0' TERM INT

# shellcheck disable=SC2086
java ${JAVA_OPTS:-} -cp "$JAR" dev.openaibeam.engine.EngineMain "${args[@]}" &
engine_pid=$!
set +e
wait "$engine_pid"
rc=$?
set -e
engine_pid=""
stop
exit "$rc"
