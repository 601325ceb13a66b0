#!/usr/bin/env bash
# Runs the openai-beam pipeline with the given options (see README). Builds the bundled jar when
# missing or stale. JVM options come from JAVA_OPTS (and JAVA_TOOL_OPTIONS, which the JVM reads).
# Exits non-zero when the run failed.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ensure_jar
exec java ${JAVA_OPTS:-} -cp "$JAR" dev.openaibeam.pipeline.OpenAiBeamMain "$@"
