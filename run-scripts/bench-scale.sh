#!/usr/bin/env bash
# Scale benchmark (issue 4): memory on a large input with a capped heap, calls in flight against a
# slow service, and per-call overhead against an instant one. The emulator runs in its own JVM;
# the pipeline runs as `run.sh` would run it. Prints a table.
# Options (environment): ROWS_MEMORY (1000000), ROWS_CONCURRENCY (5000), ROWS_OVERHEAD (100000),
# RUNNER (the pipeline's default), CASES ("memory concurrency overhead"), PROFILE (1: record a
# Java Flight Recording of each run and print where its CPU went, by stage and by component).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ensure_jar
cd "$ROOT"
OUT="$ROOT/work-out/bench-scale"
mkdir -p "$OUT"
ROWS_MEMORY="${ROWS_MEMORY:-1000000}"
ROWS_CONCURRENCY="${ROWS_CONCURRENCY:-5000}"
ROWS_OVERHEAD="${ROWS_OVERHEAD:-100000}"
CASES="${CASES:-memory concurrency overhead}"
RUNNER_ARGS=()
[[ -n "${RUNNER:-}" ]] && RUNNER_ARGS=(--runner="$RUNNER")
rows=()

# run_case NAME ROWS PAD HEAP EMULATOR_ARGS... -- PIPELINE_ARGS...
run_case() {
  local name=$1 n=$2 pad=$3 heap=$4; shift 4
  local emu_args=() pipe_args=()
  while [[ $# -gt 0 && $1 != -- ]]; do emu_args+=("$1"); shift; done
  shift || true
  pipe_args=("$@")
  local dir="$OUT/$name"
  rm -rf "$dir"; mkdir -p "$dir"
  java -cp "$JAR" dev.openaibeam.bench.BenchInputs "$dir/input.jsonl" "$n" "$pad"
  local size; size=$(du -m "$dir/input.jsonl" | cut -f1)
  EMULATOR_JAVA_OPTS="-Xmx2g" EMULATOR_LOG="$dir/emulator.log" start_emulator "${emu_args[@]}"
  set +e
  local jfr=()
  [[ "${PROFILE:-0}" == 1 ]] && jfr=(-XX:StartFlightRecording=filename="$dir/profile.jfr",settings=profile)
  OPENAI_API_KEY=sk-bench JAVA_TOOL_OPTIONS="-Xmx$heap" /usr/bin/time -v -o "$dir/time.txt" \
    java "${jfr[@]}" -cp "$JAR" dev.openaibeam.pipeline.OpenAiBeamMain \
      --input="$dir/input.jsonl" --output="$dir/out/results" --failures="$dir/out/failures" \
      --baseUrl="$EMULATOR_URL" "${RUNNER_ARGS[@]}" "${pipe_args[@]}" > "$dir/run.log" 2>&1
  local rc=$?
  set -e
  local span
  span=$(emulator_stats | sed -n 's/.*"accepted_span_ms":\([0-9]*\).*/\1/p')
  stop_emulator
  local rss wall rps inflight answered cpu callrate
  rss=$(awk -F: '/Maximum resident/ {printf "%.0f", $2/1024}' "$dir/time.txt")
  wall=$(awk '/^wall time/ {print $3}' "$dir/run.log")
  rps=$(awk '/^throughput/ {print $2}' "$dir/run.log")
  inflight=$(sed -n 's/.*peak calls in flight \([0-9]*\).*/\1/p' "$dir/run.log")
  answered=$(cat "$dir"/out/results-* "$dir"/out/failures-* 2>/dev/null | wc -l)
  cpu=$(awk -F: '/User time/ {u=$2} /System time/ {s=$2} END {printf "%.0f", u+s}' "$dir/time.txt")
  callrate=$(awk -v n="$n" -v ms="${span:-0}" 'BEGIN {if (ms > 0) printf "%.0f", n * 1000 / ms; else print "?"}')
  rows+=("| $name | $n (${size} MB) | -Xmx$heap | ${rss:-?} MB | ${cpu:-?} | ${wall:-?} | ${rps:-?} | $callrate | ${inflight:-?} | $answered | $rc |")
  if [[ -f "$dir/profile.jfr" ]]; then
    echo "where the CPU of case $name went:"
    java -cp "$JAR" dev.openaibeam.bench.ProfileSummary "$dir/profile.jfr"
  fi
}

for c in $CASES; do
  case $c in
    memory) run_case memory "$ROWS_MEMORY" 380 1g --latencyMs=0 -- --maxInFlight=256 ;;
    concurrency) run_case concurrency "$ROWS_CONCURRENCY" 0 1g --latencyMs=5000 -- --maxInFlight=1024 ;;
    overhead) run_case overhead "$ROWS_OVERHEAD" 0 2g --latencyMs=0 -- --maxInFlight=256 ;;
  esac
done
echo
echo "rows/s = rows / wall time of the whole run (JVM start included); calls/s in call phase = rows /"
echo "time from the first to the last call the emulator accepted; CPU s = user + system of the pipeline JVM."
echo "| case | rows (input) | heap | peak RSS | CPU s | wall s | rows/s | calls/s in call phase | peak calls in flight | rows answered | exit |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
