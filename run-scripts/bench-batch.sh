#!/usr/bin/env bash
# Batch API against online calls (issue 7): the same N rows through --mode=online and --mode=batch
# on the bundled emulator (127.0.0.1 only); prints mode, rows answered, HTTP calls the emulator
# received, and wall time. Options: --rows=10000 --latencyMs=20 (online answer time)
# --inProgressMs=1000 (time a batch stays in_progress) --runner=DirectRunner
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ROWS=10000; LATENCY=20; IN_PROGRESS=1000; RUNNER=DirectRunner
for a in "$@"; do
  case "$a" in
    --rows=*) ROWS="${a#*=}" ;;
    --latencyMs=*) LATENCY="${a#*=}" ;;
    --inProgressMs=*) IN_PROGRESS="${a#*=}" ;;
    --runner=*) RUNNER="${a#*=}" ;;
    *) echo "unknown option $a" >&2; exit 1 ;;
  esac
done
ensure_jar
WORK="$(mktemp -d)"
trap 'stop_emulator; rm -rf "$WORK"' EXIT
# Like lib.sh's start_emulator, but waits up to 2 minutes: the emulator warms its tokenizers up
# before it listens, which takes long on a busy machine.
start_emulator_patiently() {
  local portfile="$WORK/port"
  java ${EMULATOR_JAVA_OPTS:--Xmx512m} -cp "$JAR" dev.openaibeam.emulator.OpenAiEmulator \
    --port=0 --portFile="$portfile" "$@" > "$WORK/emulator.log" 2>&1 &
  EMULATOR_PID=$!
  for _ in $(seq 1 1200); do
    [[ -s "$portfile" ]] && break
    kill -0 "$EMULATOR_PID" 2>/dev/null || { cat "$WORK/emulator.log" >&2; return 1; }
    sleep 0.1
  done
  [[ -s "$portfile" ]] || { echo "openai-beam: emulator did not report its port" >&2; return 1; }
  EMULATOR_PORT="$(cat "$portfile")"
  EMULATOR_URL="http://127.0.0.1:${EMULATOR_PORT}/v1"
}
start_emulator_patiently --latencyMs="$LATENCY" --batchValidatingMs=200 --batchInProgressMs="$IN_PROGRESS" \
  --batchFinalizingMs=200
awk -v n="$ROWS" 'BEGIN { for (i = 0; i < n; i++) printf "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Question %d: what is %d + 1?\"}],\"max_tokens\":16,\"metadata\":{\"n\":%d}}\n", i, i, i }' > "$WORK/in.jsonl"
export BENCH_KEY="sk-bench-not-a-secret"

stat_field() { sed -E "s/.*\"$1\":([0-9]+).*/\1/"; }
count_lines() { cat "$1"*.jsonl 2>/dev/null | wc -l | tr -d ' '; }

printf '%-7s %7s %9s %9s %10s %8s\n' mode rows answered failed "http_calls" "wall_s"
for mode in online batch; do
  curl -s "http://127.0.0.1:${EMULATOR_PORT}/emulator/reset" > /dev/null
  start=$(date +%s.%N)
  java ${JAVA_OPTS:--Xmx2g} -cp "$JAR" dev.openaibeam.pipeline.OpenAiBeamMain \
    --runner="$RUNNER" --input="$WORK/in.jsonl" --output="$WORK/$mode/results" \
    --failures="$WORK/$mode/failures" --baseUrl="$EMULATOR_URL" --apiKeyEnv=BENCH_KEY \
    --mode="$mode" --batchPollSeconds=1 --progressSeconds=3600 > "$WORK/$mode.log" 2>&1 \
    || { echo "run $mode failed:" >&2; tail -20 "$WORK/$mode.log" >&2; exit 1; }
  end=$(date +%s.%N)
  calls=$(emulator_stats | stat_field received)
  printf '%-7s %7d %9d %9d %10d %8.1f\n' "$mode" "$ROWS" "$(count_lines "$WORK/$mode/results")" \
    "$(count_lines "$WORK/$mode/failures")" "$calls" "$(echo "$end - $start" | bc -l)"
done
echo "emulator: online answers take ${LATENCY} ms; a batch validates 0.2 s, runs ${IN_PROGRESS} ms, finalizes 0.2 s"
