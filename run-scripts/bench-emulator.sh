#!/usr/bin/env bash
# Throughput of the emulator alone: this tree's (pipelines/emulator) against an older one (any jar
# holding dev.openaibeam.emulator.OpenAiEmulator, e.g. a bundled jar from before the Netty server),
# alternating old, new, old, new in one run so both see the same machine. Each run starts a fresh
# emulator (0 ms latency, no limits), warms it up, then has EmulatorLoad (one thread, keep-alive
# connections, no HTTP library) send N POST /v1/chat/completions and wait for every answer. Prints
# calls/s and the emulator's CPU seconds (user + system, from /proc/PID/stat) for the measured part.
# 127.0.0.1 only. Options: --old=JAR (without it, the new one only) --calls=200000 --warmup=20000
# --connections=256 --rounds=2 --javaOpts="-Xmx512m" (the emulator's JVM options, as run-scripts use)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OLD=""; CALLS=200000; WARMUP=20000; CONNECTIONS=256; ROUNDS=2; JAVA_OPTS_EMU="-Xmx512m"
for a in "$@"; do
  case "$a" in
    --old=*) OLD="${a#*=}" ;;
    --calls=*) CALLS="${a#*=}" ;;
    --warmup=*) WARMUP="${a#*=}" ;;
    --connections=*) CONNECTIONS="${a#*=}" ;;
    --rounds=*) ROUNDS="${a#*=}" ;;
    --javaOpts=*) JAVA_OPTS_EMU="${a#*=}" ;;
    *) echo "unknown option $a" >&2; exit 1 ;;
  esac
done
[[ -z "$OLD" || -f "$OLD" ]] || { echo "no such jar: $OLD" >&2; exit 1; }

WORK="$(mktemp -d)"
EMU_PID=""
trap '[[ -n "$EMU_PID" ]] && kill "$EMU_PID" 2>/dev/null; rm -rf "$WORK"' EXIT

# The emulator module's jar, its runtime classpath, and the load client (in its test classes).
# MVN_FLAGS="-o" builds offline.
(cd "$ROOT" && mvn -q ${MVN_FLAGS:-} -pl pipelines/emulator -DskipTests package dependency:build-classpath \
  -Dmdep.includeScope=runtime -Dmdep.outputFile="$WORK/cp.txt") >&2
NEW_JAR="$(ls "$ROOT"/pipelines/emulator/target/openai-beam-emulator-*.jar | grep -v -- '-tests\.jar$' | head -1)"
NEW_CP="$NEW_JAR:$(cat "$WORK/cp.txt")"
LOAD_CP="$ROOT/pipelines/emulator/target/test-classes"

cpu_ticks() { # user + system time of a process, in clock ticks
  awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

start() { # start CLASSPATH: sets EMU_PID and EMU_PORT
  local portfile="$WORK/port"
  rm -f "$portfile"
  # shellcheck disable=SC2086
  java $JAVA_OPTS_EMU -cp "$1" dev.openaibeam.emulator.OpenAiEmulator --port=0 --portFile="$portfile" \
    > "$WORK/emulator.log" 2>&1 &
  EMU_PID=$!
  for _ in $(seq 1 1200); do
    [[ -s "$portfile" ]] && break
    kill -0 "$EMU_PID" 2>/dev/null || { cat "$WORK/emulator.log" >&2; exit 1; }
    sleep 0.05
  done
  EMU_PORT="$(cat "$portfile")"
}

run() { # run NAME CLASSPATH ROUND
  start "$2"
  if (( WARMUP > 0 )); then
    java -cp "$LOAD_CP" dev.openaibeam.emulator.EmulatorLoad "$EMU_PORT" "$WARMUP" "$CONNECTIONS" warm > /dev/null
  fi
  local before after line
  before="$(cpu_ticks "$EMU_PID")"
  line="$(/usr/bin/time -f 'client_cpu=%U+%S' java -cp "$LOAD_CP" dev.openaibeam.emulator.EmulatorLoad \
    "$EMU_PORT" "$CALLS" "$CONNECTIONS" "r$3" 2>&1)"
  after="$(cpu_ticks "$EMU_PID")"
  kill "$EMU_PID"; wait "$EMU_PID" 2>/dev/null || true; EMU_PID=""
  local rate seconds statuses client
  rate="$(grep -o 'calls_per_s=[0-9]*' <<< "$line" | cut -d= -f2)"
  seconds="$(grep -o ' seconds=[0-9.]*' <<< "$line" | cut -d= -f2)"
  statuses="$(grep -o 'statuses=.*' <<< "$line" | sed 's/statuses=//')"
  client="$(grep -o 'client_cpu=.*' <<< "$line" | cut -d= -f2 | awk -F+ '{ print $1 + $2 }')"
  printf '%-4s %5s %9s %9s %10s %12s %12s  %s\n' "$1" "$3" "$CALLS" "$seconds" "$rate" \
    "$(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", t / hz }')" \
    "$(printf '%.1f' "$client")" "$statuses"
}

echo "emulator JVM: $JAVA_OPTS_EMU; $CONNECTIONS connections; warm-up $WARMUP calls per run (not measured); $(nproc) cores"
printf '%-4s %5s %9s %9s %10s %12s %12s  %s\n' which round calls seconds "calls/s" "emu_cpu_s" "client_cpu_s" statuses
for r in $(seq 1 "$ROUNDS"); do
  [[ -n "$OLD" ]] && run old "$OLD" "$r"
  run new "$NEW_CP" "$r"
done
