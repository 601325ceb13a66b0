#!/usr/bin/env bash
# Batch API against online calls (issue 7): the same N rows through --mode=online and --mode=batch
# on the bundled emulator (127.0.0.1 only); prints mode, rows answered, HTTP calls the emulator
# received, wall time and spend, then the pre-flight estimate (--estimateOnly) and its error
# against the online run's reported spend. Options: --rows=10000 --latencyMs=20 (online answer time)
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
EMULATOR_LOG="$WORK/emulator.log" start_emulator --latencyMs="$LATENCY" --batchValidatingMs=200 --batchInProgressMs="$IN_PROGRESS" \
  --batchFinalizingMs=200
awk -v n="$ROWS" 'BEGIN { for (i = 0; i < n; i++) printf "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Question %d: what is %d + 1?\"}],\"max_tokens\":16,\"metadata\":{\"n\":%d}}\n", i, i, i }' > "$WORK/in.jsonl"
export BENCH_KEY="sk-bench-not-a-secret"

stat_field() { sed -E "s/.*\"$1\":([0-9]+).*/\1/"; }
count_lines() { cat "$1"*.jsonl 2>/dev/null | wc -l | tr -d ' '; }

spend_of() { sed -n 's/^spend  *\$\([0-9.]*\).*/\1/p' "$1" | head -1; }
printf '%-7s %7s %9s %9s %10s %8s %12s\n' mode rows answered failed "http_calls" "wall_s" "spend_usd"
for mode in online batch; do
  curl -s "http://127.0.0.1:${EMULATOR_PORT}/emulator/reset" > /dev/null
  start=$(date +%s.%N)
  java ${JAVA_OPTS:--Xmx2g} -cp "$JAR" dev.openaibeam.pipeline.OpenAiBeamMain \
    --runner="$RUNNER" --input="$WORK/in.jsonl" --output="$WORK/$mode/results" \
    --failures="$WORK/$mode/failures" --baseUrl="$EMULATOR_URL" --apiKeyEnv=BENCH_KEY \
    --mode="$mode" --batchPollSeconds=1 --progressSeconds=3600 > "$WORK/$mode.log" 2>&1 \
    || { echo "run $mode failed:" >&2; tail -20 "$WORK/$mode.log" >&2; exit 1; }
  end=$(date +%s.%N)
  stats=$(emulator_stats)
  online_calls=$(echo "$stats" | stat_field received)
  batch_calls=$(echo "$stats" | sed -E 's/.*"batch":\{"http_calls":([0-9]+).*/\1/')
  printf '%-7s %7d %9d %9d %10d %8.1f %12s\n' "$mode" "$ROWS" "$(count_lines "$WORK/$mode/results")" \
    "$(count_lines "$WORK/$mode/failures")" "$((online_calls + batch_calls))" \
    "$(echo "$end - $start" | bc -l)" "$(spend_of "$WORK/$mode.log")"
done
echo "emulator: online answers take ${LATENCY} ms; a batch validates 0.2 s, runs ${IN_PROGRESS} ms, finalizes 0.2 s"

# The pre-flight estimate of the same input, before any call: upper bound, and expected with the
# answer length the emulator gives (min(max_tokens, 8) per choice).
echo
java -cp "$JAR" dev.openaibeam.pipeline.OpenAiBeamMain --runner=DirectRunner --input="$WORK/in.jsonl" \
  --estimateOnly --expectedOutputTokens=8 > "$WORK/estimate.log" 2>/dev/null
sed -n '/^estimate/,/^TOTAL (upper bound)/p' "$WORK/estimate.log"
online_spend=$(spend_of "$WORK/online.log")
for which in expected "upper bound"; do
  est=$(sed -n "s/^TOTAL (${which}).*\\$\([0-9.]*\)  *\\$\([0-9.]*\)$/\1/p" "$WORK/estimate.log")
  awk -v e="$est" -v s="$online_spend" -v w="$which" \
    'BEGIN { if (s > 0) printf "estimate (%s) $%s vs online spend $%s: error %+.2f%%\n", w, e, s, 100 * (e - s) / s }'
done
