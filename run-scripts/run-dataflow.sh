#!/usr/bin/env bash
# Submits the JSONL job to Google Cloud Dataflow with the bundled jar (docs/cloud.md).
#
#   PROJECT=my-project REGION=europe-west1 BUCKET=my-bucket \
#   API_KEY_SECRET=projects/my-project/secrets/openai-key/versions/latest \
#   run-scripts/run-dataflow.sh --input=gs://my-bucket/in/*.jsonl --rpm=5000 --tpm=2000000
#
# The key never goes on the command line: set API_KEY_SECRET (Secret Manager, read by the workers
# with their service account), or API_KEY_ENV=NAME for a variable you set on the workers yourself
# (e.g. through a custom container). Other options are passed through and win over the defaults
# below (--output, --failures, --maxNumWorkers, --workerMachineType, --serviceAccount, ...).
# DRY_RUN=1 prints the command instead of running it.
# Needs Google credentials where you run it (gcloud auth application-default login). Not tested
# against the service from here: DataflowTranslationTest checks the translation offline only.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
: "${PROJECT:?set PROJECT to the Google Cloud project}"
: "${REGION:?set REGION, e.g. europe-west1}"
: "${BUCKET:?set BUCKET to a gs bucket (name only) for temp, staging and default outputs}"
KEY_GIVEN=""
for a in "$@"; do
  case "$a" in
    --apiKey=*|--api-key=*|--key=*)
      echo "openai-beam: no key on the command line (it shows on the job page); use API_KEY_SECRET" >&2
      exit 2 ;;
    --apiKeySecret=*|--apiKeyEnv=*|--apiKeyFile=*|--noApiKey|--noApiKey=*) KEY_GIVEN=1 ;;
  esac
done
if [[ -n "$KEY_GIVEN" ]]; then
  KEY_ARGS=()  # options you pass win: their key source is used as given
elif [[ -n "${API_KEY_SECRET:-}" ]]; then
  KEY_ARGS=(--apiKeySecret="$API_KEY_SECRET")
elif [[ -n "${API_KEY_ENV:-}" ]]; then
  KEY_ARGS=(--apiKeyEnv="$API_KEY_ENV")
else
  echo "openai-beam: set API_KEY_SECRET=projects/P/secrets/S/versions/latest (or API_KEY_ENV)" >&2
  exit 2
fi
ensure_jar
RUN="${RUN:-$(date +%Y%m%d-%H%M%S)}"
# Beam rejects an option given twice, so a default is added only when "$@" does not set it.
ARGS=("$@")
default() {
  local name="${1%%=*}"
  for a in "${ARGS[@]}"; do [[ "$a" == "$name="* ]] && return 0; done
  ARGS+=("$1")
}
default --runner=DataflowRunner
default --project="$PROJECT"
default --region="$REGION"
default --jobName="openai-beam-$RUN"
default --tempLocation="gs://$BUCKET/openai-beam/tmp"
default --stagingLocation="gs://$BUCKET/openai-beam/staging"
default --filesToStage="$JAR"
default --output="gs://$BUCKET/openai-beam/$RUN/results"
default --failures="gs://$BUCKET/openai-beam/$RUN/failures"
default --workerMachineType="${WORKER_MACHINE_TYPE:-n2-standard-2}"
default --maxNumWorkers="${MAX_WORKERS:-4}"
default --budgetShards="${BUDGET_SHARDS:-4}"
ARGS+=(${KEY_ARGS[@]+"${KEY_ARGS[@]}"})
if [[ "${DRY_RUN:-}" == 1 ]]; then
  printf '%q ' java -cp "$JAR" dev.openaibeam.pipeline.OpenAiBeamMain "${ARGS[@]}"; echo
  exit 0
fi
exec java ${JAVA_OPTS:-} -cp "$JAR" dev.openaibeam.pipeline.OpenAiBeamMain "${ARGS[@]}"
