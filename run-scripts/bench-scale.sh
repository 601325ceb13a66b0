#!/usr/bin/env bash
# Scale benchmark (issue 4): memory on a large input with a capped heap, calls in flight against a
# slow service, and per-call overhead against an instant one. The emulator runs in its own JVM;
# the pipeline runs as `run.sh` would run it. Prints a table.
# Cases: memory (a ~500 MB input in a 1 GiB heap), concurrency (5 s latency: calls in flight),
# overhead (0 ms latency, no limits: the per-call cost, a million rows so the fixed start-up of
# about 15 s is a small part), startup (the same at 100,000 rows, where start-up dominates), and,
# only when asked for since it takes minutes, slow (calls answered after 20 s against 30,000 RPM,
# the job given --rpm=30000 and no --maxInFlight: does it keep the budget's 500 calls/s going?).
# Options (environment): ROWS_MEMORY (1000000), ROWS_CONCURRENCY (5000), ROWS_OVERHEAD (1000000),
# ROWS_STARTUP (100000), ROWS_SLOW (20000), RUNNER (the pipeline's default), CASES ("memory
# concurrency overhead startup"; add slow to run it), PROFILE (1: record a Java Flight Recording
# of each run and print where its CPU went, by stage and by component).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ensure_jar
cd "$ROOT"
# A private copy for every JVM of the run (start_emulator too): a rebuild of the jar during the
# minutes this runs would break them.
RUN_JAR="$(mktemp --suffix=.jar)"
trap 'stop_emulator; rm -f "$RUN_JAR"' EXIT
cp "$JAR" "$RUN_JAR"
JAR="$RUN_JAR"
OUT="$ROOT/work-out/bench-scale"
mkdir -p "$OUT"
ROWS_MEMORY="${ROWS_MEMORY:-1000000}"
ROWS_CONCURRENCY="${ROWS_CONCURRENCY:-5000}"
ROWS_OVERHEAD="${ROWS_OVERHEAD:-1000000}"
ROWS_STARTUP="${ROWS_STARTUP:-100000}"
ROWS_SLOW="${ROWS_SLOW:-20000}"
CASES="${CASES:-memory concurrency overhead startup}"
RUNNER_ARGS=()
[[ -n "${RUNNER:-}" ]] && RUNNER_ARGS=(--runner="$RUNNER")
rows=()
rate_rows=()
LAST_STATS=""

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
  local t0; t0=$(date +%s%3N)
  OPENAI_API_KEY=sk-bench JAVA_TOOL_OPTIONS="-Xmx$heap" /usr/bin/time -v -o "$dir/time.txt" \
    java "${jfr[@]}" -cp "$JAR" dev.openaibeam.pipeline.OpenAiBeamMain \
      --input="$dir/input.jsonl" --output="$dir/out/results" --failures="$dir/out/failures" \
      --baseUrl="$EMULATOR_URL" "${RUNNER_ARGS[@]}" "${pipe_args[@]}" > "$dir/run.log" 2>&1
  local rc=$?
  set -e
  local stats span first
  stats=$(emulator_stats)
  LAST_STATS=$stats
  span=$(sed -n 's/.*"accepted_span_ms":\([0-9]*\).*/\1/p' <<<"$stats")
  first=$(sed -n 's/.*"first_accepted_epoch_ms":\([0-9]*\).*/\1/p' <<<"$stats")
  local emucpu clk; clk=$(getconf CLK_TCK)
  emucpu=$(awk -v hz="$clk" '{printf "%.0f", ($14 + $15) / hz}' "/proc/$EMULATOR_PID/stat" 2>/dev/null || echo "?")
  stop_emulator
  local rss wall rps inflight answered cpu callrate tofirst
  rss=$(awk -F: '/Maximum resident/ {printf "%.0f", $2/1024}' "$dir/time.txt")
  # Elapsed (wall clock) of the pipeline process, as h:mm:ss or m:ss.
  wall=$(awk '/Elapsed \(wall clock\)/ {n=split($NF, p, ":"); s=0; for (i=1; i<=n; i++) s=s*60+p[i]; printf "%.1f", s}' "$dir/time.txt")
  rps=$(awk -v n="$n" -v w="${wall:-0}" 'BEGIN {if (w > 0) printf "%.0f", n / w; else print "?"}')
  tofirst=$(awk -v f="${first:-0}" -v t="$t0" 'BEGIN {if (f > 0) printf "%.1f", (f - t) / 1000; else print "?"}')
  inflight=$(sed -n 's/.*peak calls in flight \([0-9]*\).*/\1/p' "$dir/run.log")
  answered=$(cat "$dir"/out/results-* "$dir"/out/failures-* 2>/dev/null | wc -l)
  cpu=$(awk -F: '/User time/ {u=$2} /System time/ {s=$2} END {printf "%.0f", u+s}' "$dir/time.txt")
  callrate=$(awk -v n="$n" -v ms="${span:-0}" 'BEGIN {if (ms > 0) printf "%.0f", n * 1000 / ms; else print "?"}')
  rows+=("| $name | $n (${size} MB) | -Xmx$heap | ${rss:-?} MB | ${cpu:-?} | ${emucpu:-?} | ${wall:-?} | $tofirst | ${rps:-?} | $callrate | ${inflight:-?} | $answered | $rc |")
  if [[ -f "$dir/profile.jfr" ]]; then
    echo "where the CPU of case $name went:"
    java -cp "$JAR" dev.openaibeam.bench.ProfileSummary "$dir/profile.jfr"
  fi
}

# rate_row NAME RPM LATENCY_S: from the last case's stats, the accepted rate once the first answers
# are in (accepted calls from first accepted + LATENCY_S to the last accepted, over that span, from
# accepted_per_second) against the budget's RPM / 60.
rate_row() {
  local name=$1 rpm=$2 latency=$3
  local span per_second
  span=$(sed -n 's/.*"accepted_span_ms":\([0-9]*\).*/\1/p' <<<"$LAST_STATS")
  per_second=$(sed -n 's/.*"accepted_per_second":\[\([0-9,]*\)\].*/\1/p' <<<"$LAST_STATS")
  rate_rows+=("$(awk -v name="$name" -v rpm="$rpm" -v lat="$latency" -v ms="${span:-0}" \
      -v ps="$per_second" 'BEGIN {
    budget = rpm / 60; n = split(ps, a, ","); calls = 0
    for (i = lat + 1; i <= n; i++) calls += a[i]  # a[1] is second 0
    stretch = ms / 1000 - lat
    if (stretch <= 0) { printf "| %s | %.0f | ? | ? | ? | ? |", name, budget; exit }
    rate = calls / stretch
    printf "| %s | %.0f | %d | %.1f | %.0f | %.3f |", name, budget, calls, stretch, rate, rate / budget
  }')")
}

for c in $CASES; do
  case $c in
    memory) run_case memory "$ROWS_MEMORY" 380 1g --latencyMs=0 -- --maxInFlight=256 ;;
    concurrency) run_case concurrency "$ROWS_CONCURRENCY" 0 1g --latencyMs=5000 -- --maxInFlight=1024 ;;
    overhead) run_case overhead "$ROWS_OVERHEAD" 0 2g --latencyMs=0 -- --maxInFlight=256 ;;
    startup) run_case startup "$ROWS_STARTUP" 0 2g --latencyMs=0 -- --maxInFlight=256 ;;
    slow) run_case slow "$ROWS_SLOW" 0 2g --latencyMs=20000 --rpm=30000 --window=1 -- --rpm=30000
      rate_row slow 30000 20 ;;
  esac
done
echo
echo "wall s = the pipeline process from JVM start to exit; rows/s end to end = rows / wall s; s to first"
echo "call = JVM start to the first call the emulator accepted (start-up, then reading and sorting the"
echo "input); calls/s in call phase = rows / time from the first to the last accepted call; CPU s = user +"
echo "system of the pipeline JVM; emulator CPU s = the same of the emulator's JVM, on the same cores."
echo "| case | rows (input) | heap | peak RSS | CPU s | emulator CPU s | wall s | s to first call | rows/s end to end | calls/s in call phase | peak calls in flight | rows answered | exit |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
if [[ ${#rate_rows[@]} -gt 0 ]]; then
  echo
  echo "budget calls/s = --rpm / 60; accepted after the first answers = calls the emulator accepted from"
  echo "the first accepted call + the latency to the last accepted call (from accepted_per_second), over"
  echo "that stretch; of the budget = that rate / the budget's."
  echo "| case | budget calls/s | calls accepted after the first answers | stretch s | accepted calls/s | of the budget |"
  echo "|---|---|---|---|---|---|"
  printf '%s\n' "${rate_rows[@]}"
fi
