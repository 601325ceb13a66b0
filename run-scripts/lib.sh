#!/usr/bin/env bash
# Shared helpers for the run scripts: build the bundled jar when stale, start/stop the emulator.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR="$ROOT/target/openai-beam-0.1.0-SNAPSHOT-bundled.jar"

# Builds the bundled jar when it is missing or older than any source or the pom.
ensure_jar() {
  if [[ ! -f "$JAR" ]] || [[ -n "$(find "$ROOT/src/main" "$ROOT/pom.xml" -newer "$JAR" -print -quit)" ]]; then
    echo "openai-beam: building $JAR" >&2
    (cd "$ROOT" && mvn -q -B -DskipTests package) >&2 || { echo "openai-beam: build failed" >&2; exit 1; }
  fi
}

# start_emulator ARGS...: starts the emulator on a free loopback port; sets EMULATOR_PID, EMULATOR_URL.
start_emulator() {
  local portfile
  portfile="$(mktemp)"
  rm -f "$portfile"
  java ${EMULATOR_JAVA_OPTS:--Xmx512m} -cp "$JAR" dev.openaibeam.emulator.OpenAiEmulator \
    --port=0 --portFile="$portfile" "$@" > "${EMULATOR_LOG:-/dev/null}" 2>&1 &
  EMULATOR_PID=$!
  for _ in $(seq 1 1200); do  # up to 60 s: a loaded machine starts JVMs slowly
    if [[ -s "$portfile" ]]; then break; fi
    if ! kill -0 "$EMULATOR_PID" 2>/dev/null; then echo "openai-beam: emulator did not start" >&2; return 1; fi
    sleep 0.05
  done
  [[ -s "$portfile" ]] || { echo "openai-beam: emulator did not report its port" >&2; return 1; }
  EMULATOR_PORT="$(cat "$portfile")"
  EMULATOR_URL="http://127.0.0.1:${EMULATOR_PORT}/v1"
  rm -f "$portfile"
}

stop_emulator() {
  if [[ -n "${EMULATOR_PID:-}" ]]; then
    kill "$EMULATOR_PID" 2>/dev/null || true
    wait "$EMULATOR_PID" 2>/dev/null || true
    EMULATOR_PID=""
  fi
}

emulator_stats() {
  curl -s "http://127.0.0.1:${EMULATOR_PORT}/emulator/stats"
}
