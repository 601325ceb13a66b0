#!/usr/bin/env bash
# Runs one of the example pipelines in pipelines/ on its shipped data:
#   run-scripts/run-example.sh support-tickets [options]   # label tickets.csv -> labels CSV
#   run-scripts/run-example.sh embed-docs [options]        # embed docs/*.txt  -> id + vector JSONL
# Builds the bundled jar when needed. Without --baseUrl it starts the bundled emulator on a free
# loopback port (no key, no network); with --baseUrl it calls that API with the key in
# OPENAI_API_KEY (or --apiKeyEnv / --apiKeyFile). Other options: --model, --rpm, --tpm,
# --maxAttempts, --input, --output, --failures, --runner ... (see docs/enrichment.md).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

usage() { echo "usage: $0 support-tickets|embed-docs [options]" >&2; exit 64; }
[[ $# -ge 1 ]] || usage
NAME="$1"; shift
case "$NAME" in
  support-tickets) MAIN=dev.openaibeam.examples.ClassifyTickets
                   INPUT="$ROOT/pipelines/support-tickets/tickets.csv"; OUTNAME=labels ;;
  embed-docs)      MAIN=dev.openaibeam.examples.EmbedDocuments
                   INPUT="$ROOT/pipelines/embed-docs/docs/*.txt"; OUTNAME=embeddings ;;
  *) usage ;;
esac

has_opt() { local o; for o in "${ARGS[@]}"; do [[ "$o" == "$1"=* || "$o" == "$1" ]] && return 0; done; return 1; }
ARGS=("$@")
ensure_jar
OUT="${OUT:-$ROOT/work-out/$NAME-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"
EXTRA=()
has_opt --input    || EXTRA+=("--input=$INPUT")
has_opt --output   || EXTRA+=("--output=$OUT/$OUTNAME")
has_opt --failures || EXTRA+=("--failures=$OUT/failures")
has_opt --runner   || EXTRA+=("--runner=DirectRunner")
if has_opt --baseUrl; then
  echo "openai-beam: calling the API given by --baseUrl" >&2
  KEY_ENV=()
else
  EMULATOR_LOG="$OUT/emulator.log"
  start_emulator --rpm=3000 --tpm=1000000 --window=1 --latencyMs=50 --latencyJitterMs=30
  trap stop_emulator EXIT
  echo "openai-beam: emulator at $EMULATOR_URL (no key, no network)" >&2
  EXTRA+=("--baseUrl=$EMULATOR_URL")
  has_opt --rpm || EXTRA+=("--rpm=3000")
  has_opt --tpm || EXTRA+=("--tpm=1000000")
  KEY_ENV=(OPENAI_API_KEY=sk-local-emulator)
fi
set +e
env "${KEY_ENV[@]}" java ${JAVA_OPTS:-} -cp "$JAR" "$MAIN" "${EXTRA[@]}" "${ARGS[@]}"
rc=$?
set -e
if [[ -n "${EMULATOR_PID:-}" ]]; then echo "emulator: $(emulator_stats)"; fi
exit $rc
