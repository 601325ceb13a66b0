#!/usr/bin/env bash
# Submits the openai-beam pipeline to a Flink session cluster and waits for it (see docs/flink.md).
# Builds the bundled jar when missing or stale; the same jar is the job's code on the cluster
# (--filesToStage), so the TaskManagers need nothing else installed.
#
#   run-scripts/flink-cluster.sh start
#   run-scripts/run-flink.sh --input=requests.jsonl --output=out/results --failures=out/failures \
#     --rpm=5000 --tpm=2000000
#
# Defaults added when not given: --runner=FlinkRunner, --flinkMaster=127.0.0.1:<port of the cluster
# that flink-cluster.sh started, else 8081>, --parallelism=<the cluster's slots>, --filesToStage=<jar>,
# --progressSeconds=0.
# Any option can be given to reach another cluster (--flinkMaster=jobmanager.example:8081).
# Exit codes as run.sh: 0 done, 2 a hopeless error (bad key, no quota), 1 any other failure.
# JVM options for the submitting client come from JAVA_OPTS.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ensure_jar

has_option() {
  local name="$1" a
  shift
  for a in "$@"; do [[ "$a" == "--$name="* || "$a" == "--$name" ]] && return 0; done
  return 1
}

defaults=()
has_option runner "$@" || defaults+=("--runner=FlinkRunner")
if ! has_option flinkMaster "$@"; then
  port="$("$ROOT/run-scripts/flink-cluster.sh" port 2>/dev/null || echo 8081)"
  defaults+=("--flinkMaster=127.0.0.1:$port")
fi
master=""
for a in "${defaults[@]}" "$@"; do [[ "$a" == --flinkMaster=* ]] && master="${a#--flinkMaster=}"; done
if ! has_option parallelism "$@"; then
  # As many subtasks as the cluster has slots (a Flink batch job needs all its slots at once).
  slots="$({ curl -s --max-time 10 "http://$master/overview" 2>/dev/null || true; } \
    | sed -n 's/.*"slots-total":\([0-9]*\).*/\1/p')"
  if [[ -z "$slots" || "$slots" -eq 0 ]]; then
    echo "openai-beam: no Flink cluster at $master (run-scripts/flink-cluster.sh start)" >&2
    exit 1
  fi
  defaults+=("--parallelism=$slots")
fi
has_option filesToStage "$@" || defaults+=("--filesToStage=$JAR")
# The progress line counts calls made in this JVM; on a cluster they are made in the TaskManagers.
has_option progressSeconds "$@" || defaults+=("--progressSeconds=0")

echo "openai-beam: submitting to Flink at $master" >&2
exec java ${JAVA_OPTS:-} -cp "$JAR" dev.openaibeam.pipeline.OpenAiBeamMain "${defaults[@]}" "$@"
