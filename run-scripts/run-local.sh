#!/usr/bin/env bash
# The embedded default: builds if needed, starts the bundled OpenAI-compatible emulator on a free
# loopback port, and runs the example in pipelines/examples/local-demo.jsonl (chat and embedding
# requests plus one malformed line) on the local default runner (direct, for an input this small).
# No key, no API call.
# Extra options are passed to the pipeline (e.g. --rpm=600).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ensure_jar
OUT="${OUT:-$ROOT/work-out/local-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"
EMULATOR_LOG="$OUT/emulator.log"
start_emulator --rpm=3000 --tpm=1000000 --window=1 --latencyMs=50 --latencyJitterMs=30
trap stop_emulator EXIT
echo "openai-beam: emulator at $EMULATOR_URL"
set +e
OPENAI_API_KEY=sk-local-emulator java ${JAVA_OPTS:-} -cp "$JAR" dev.openaibeam.pipeline.OpenAiBeamMain \
  --input="$ROOT/pipelines/examples/local-demo.jsonl" \
  --output="$OUT/results" --failures="$OUT/failures" --outputShards=1 \
  --baseUrl="$EMULATOR_URL" --rpm=3000 --tpm=1000000 "$@"
rc=$?
set -e
stats="$(emulator_stats)"
field() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" <<<"$stats"; }
echo "emulator: $(field received) calls received, $(field accepted) answered," \
  "$(( $(field rate_limited_requests) + $(field rate_limited_tokens) )) 429s"
exit $rc
