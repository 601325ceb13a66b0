#!/usr/bin/env bash
# Budget benchmark (issue 3): efficiency against the ideal time a rate limit allows, 429s and rows
# lost, for the RPM-bound, TPM-bound, lenient and Flink cases, all against the bundled emulator.
# Options: --cases=rpm,tpm,lenient,flink4  --scale=1.0 (fraction of the issue's row counts)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ensure_jar
cd "$ROOT"
exec java ${JAVA_OPTS:--Xmx4g} -cp "$JAR" dev.openaibeam.bench.BudgetBench "$@"
