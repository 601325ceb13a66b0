#!/usr/bin/env bash
# Shared helpers for the run scripts: build the bundled jar when stale, start/stop the emulator.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR="$ROOT/pipelines/job/target/openai-beam-bundled.jar"
MAVEN_REPO="${MAVEN_REPO:-$HOME/.m2/repository}"

# The sources and poms the bundled jar is built from (the library, the emulator, the job).
sources() {
  find "$ROOT/pom.xml" "$ROOT/src/pom.xml" "$ROOT/src/main" "$ROOT"/pipelines/*/pom.xml \
    "$ROOT"/pipelines/*/src/main "$@"
}

# Builds the bundled jar when it is missing or older than any source or pom. The first build on a
# machine downloads Beam, Flink and the cloud libraries into the Maven repository (several hundred
# MB, minutes on a slow link): it says so, and shows Maven's progress as it goes.
# OPENAI_BEAM_NO_BUILD=1: use the jar as it is (the integration tests run after `mvn package`).
ensure_jar() {
  if [[ "${OPENAI_BEAM_NO_BUILD:-}" == 1 ]]; then
    [[ -f "$JAR" ]] || { echo "openai-beam: no $JAR" >&2; exit 1; }
    return 0
  fi
  if [[ -f "$JAR" ]] && [[ -z "$(sources -newer "$JAR" -print -quit)" ]]; then
    return 0
  fi
  local log
  log="$(mktemp)"
  if [[ ! -d "$MAVEN_REPO/org/apache/beam/beam-runners-flink-1.19" ]]; then
    echo "openai-beam: first build on this machine: Maven downloads the dependencies once (several hundred MB, a few minutes); later builds take seconds" >&2
  else
    echo "openai-beam: building $JAR" >&2
  fi
  # Maven's module lines, and a count of the files it has downloaded so far.
  if ! (cd "$ROOT" && mvn -B -DskipTests -pl pipelines/job -am package) 2>&1 | tee "$log" | awk '
      /^\[INFO\] Building .*\[[0-9]+\/[0-9]+\]/ { sub(/^\[INFO\] /, ""); print "openai-beam:   " $0; fflush() }
      /Downloaded from/ { n++; if (n % 200 == 0) { print "openai-beam:   " n " files downloaded"; fflush() } }' >&2 \
      || ! grep -q "BUILD SUCCESS" "$log"; then
    tail -n 40 "$log" >&2
    echo "openai-beam: build failed (whole log: $log)" >&2
    exit 1
  fi
  rm -f "$log"
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

# Runs a benchmark class from a private copy of the jar (removed at exit): a rebuild of the jar
# during the minutes a benchmark runs would break the running JVM. JAVA_OPTS replaces $1's heap.
run_bench() {
  local heap="$1" cls="$2"
  shift 2
  BENCH_JAR="$(mktemp --suffix=.jar)"
  trap 'rm -f "$BENCH_JAR"' EXIT
  cp "$JAR" "$BENCH_JAR"
  # shellcheck disable=SC2086
  java ${JAVA_OPTS:-$heap} -cp "$BENCH_JAR" "$cls" "$@"
}
