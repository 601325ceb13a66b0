#!/usr/bin/env bash
# Budget benchmark (issue 3): efficiency against the ideal time a rate limit allows, 429s, rows
# lost and failure rows, all against the bundled emulator: the RPM-bound, TPM-bound, lenient and
# Flink cases; the job without --rpm/--tpm (noflags); the service's two ways of reporting what is
# left, per minute as OpenAI (minute, minute4 on Flink at parallelism 4) and per window as gateways
# (window, window4); and a service that reports nothing, without --rpm (noheaders).
# Options: --cases=rpm,tpm,lenient,flink4,noflags,minute,window,minute4,window4,noheaders (the
# default: all)  --scale=1.0 (fraction of the issue's row counts)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ensure_jar
cd "$ROOT"
# A private copy: a rebuild of the jar during the minutes this runs would break the running JVM.
RUN_JAR="$(mktemp --suffix=.jar)"
trap 'rm -f "$RUN_JAR"' EXIT
cp "$JAR" "$RUN_JAR"
java ${JAVA_OPTS:--Xmx4g} -cp "$RUN_JAR" dev.openaibeam.bench.BudgetBench "$@"
