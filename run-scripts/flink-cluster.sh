#!/usr/bin/env bash
# A real Flink 1.19 session cluster on 127.0.0.1: one JobManager and two TaskManagers, each its own
# JVM, started from Maven artifacts (run-scripts/flink-cluster/pom.xml is the class path that
# flink-dist's lib/ would hold). See docs/flink.md.
#
#   run-scripts/flink-cluster.sh start    starts it (or says it is running) and waits until the
#                                         REST API lists every TaskManager
#   run-scripts/flink-cluster.sh stop     stops the three processes and waits for them
#   run-scripts/flink-cluster.sh status   pids, REST address, TaskManagers registered; exit 0 when
#                                         the cluster is up, 3 when it is not
#   run-scripts/flink-cluster.sh port     the REST port of the running cluster
#
# Environment (all optional):
#   FLINK_CLUSTER_DIR   work dir: config, logs, pid files, temp files (default work-out/flink-cluster)
#   FLINK_REST_PORT     REST/UI port (default 8081; when taken, the next free one; 0 = any free)
#   FLINK_TASKMANAGERS  number of TaskManagers (default 2)
#   FLINK_SLOTS         slots per TaskManager (default 2)
#   FLINK_JM_MEMORY     JobManager process size (default 1024m)
#   FLINK_TM_MEMORY     TaskManager process size (default 2048m)
#   FLINK_START_TIMEOUT seconds to wait for the TaskManagers to register (default 180)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CP_PROJECT="$ROOT/run-scripts/flink-cluster"
DIR="${FLINK_CLUSTER_DIR:-$ROOT/work-out/flink-cluster}"
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
CONF="$DIR/conf"
LOG="$DIR/log"
TMS="${FLINK_TASKMANAGERS:-2}"
SLOTS="${FLINK_SLOTS:-2}"

say() { echo "flink-cluster: $*" >&2; }
# shellcheck source=services.sh
source "$ROOT/run-scripts/services.sh"

# pid_of NAME: the pid of NAME (jobmanager, taskmanager-N) when it is alive and ours.
pid_of() { owned_pid "$DIR/$1.pid" "--configDir $CONF"; }

classpath() { maven_classpath "$CP_PROJECT" Flink; }

# The Flink JVMs need these on Java 17 (flink-dist 1.19 sets the same in env.java.opts.all).
JAVA17_OPTS=(
  --add-exports=java.base/sun.net.util=ALL-UNNAMED
  --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.text=ALL-UNNAMED
  --add-opens=java.base/java.time=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED
)

JM_CLASS=org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint
TM_CLASS=org.apache.flink.runtime.taskexecutor.TaskManagerRunner

# Process names: jobmanager, taskmanager-1, taskmanager-2, ...
names() {
  echo jobmanager
  for i in $(seq 1 "$TMS"); do echo "taskmanager-$i"; done
}

rest_port() {
  cat "$DIR/rest-port" 2>/dev/null || true
}

registered_taskmanagers() {
  local port
  port="$(rest_port)"
  [[ -n "$port" ]] || { echo 0; return; }
  { curl -s --max-time 5 "http://127.0.0.1:$port/taskmanagers" 2>/dev/null || true; } \
    | { grep -o '"slotsNumber"' || true; } | wc -l
}

write_config() {
  local rest="$1" rpc="$2"
  mkdir -p "$CONF" "$LOG" "$DIR/tmp"
  # Flink 1.19 reads config.yaml (standard YAML; flat keys are valid YAML).
  cat > "$CONF/config.yaml" <<EOF
# Written by run-scripts/flink-cluster.sh; rewritten at every start.
jobmanager.rpc.address: 127.0.0.1
jobmanager.rpc.port: $rpc
jobmanager.bind-host: 127.0.0.1
taskmanager.bind-host: 127.0.0.1
taskmanager.host: 127.0.0.1
rest.address: 127.0.0.1
rest.bind-address: 127.0.0.1
rest.port: $rest
jobmanager.memory.process.size: ${FLINK_JM_MEMORY:-1024m}
taskmanager.memory.process.size: ${FLINK_TM_MEMORY:-2048m}
# Beam's batch translation sorts keyed input in managed memory; the rest is heap for the calls.
taskmanager.memory.managed.fraction: 0.25
# A Beam batch job has some 40 operators, each slot holding one subtask of every one of them with
# its blocking result partition: more network memory than the default 10%, and sort-shuffle
# partitions that start with 64 buffers instead of 512 (16 MiB each).
taskmanager.memory.network.fraction: 0.2
taskmanager.network.sort-shuffle.min-buffers: 64
taskmanager.numberOfTaskSlots: $SLOTS
# Beam gives a batch job no restart strategy of its own: without the cluster's, a lost TaskManager
# fails the whole job (docs/flink.md, "A lost TaskManager").
restart-strategy.type: fixed-delay
restart-strategy.fixed-delay.attempts: ${FLINK_RESTART_ATTEMPTS:-3}
restart-strategy.fixed-delay.delay: 10 s
parallelism.default: 1
io.tmp.dirs: $DIR/tmp
blob.storage.directory: $DIR/tmp
web.tmpdir: $DIR/tmp
# A loaded 2-core machine can be slow to answer; the defaults (10 s) are tight for it.
pekko.ask.timeout: 60 s
web.timeout: 60000
EOF
  cat > "$CONF/log4j.properties" <<'EOF'
# As flink-dist's conf/log4j.properties: everything at INFO to the process's own log file.
monitorInterval = 30
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = MainAppender
logger.pekko.name = org.apache.pekko
logger.pekko.level = INFO
logger.netty.name = org.jboss.netty.channel.DefaultChannelPipeline
logger.netty.level = OFF
appender.main.name = MainAppender
appender.main.type = File
appender.main.append = false
appender.main.fileName = ${sys:log.file}
appender.main.layout.type = PatternLayout
appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n
EOF
}

# resource_params KIND CP: the JVM memory flags and -D memory settings Flink derives from the
# config, exactly as flink-dist's jobmanager.sh / taskmanager.sh get them (BashJavaUtils).
resource_params() {
  local kind="$1" cp="$2" out
  out="$(java -cp "$cp" -Dlog4j2.level=WARN org.apache.flink.runtime.util.bash.BashJavaUtils \
    "$kind" --configDir "$CONF" 2>/dev/null | grep '^BASH_JAVA_UTILS_EXEC_RESULT:' \
    | sed 's/^BASH_JAVA_UTILS_EXEC_RESULT://')" || true
  [[ "$(echo "$out" | wc -l)" -ge 2 ]] || { say "BashJavaUtils $kind failed"; exit 1; }
  echo "$out"
}

launch() {
  local name="$1" cls="$2" cp="$3" jvm="$4" dyn="$5"
  shift 5
  # setsid: the cluster outlives the shell that started it and its Ctrl-C.
  # shellcheck disable=SC2086
  setsid java $jvm "${JAVA17_OPTS[@]}" -Dlog.file="$LOG/$name.log" \
    -Dlog4j.configurationFile="file:$CONF/log4j.properties" \
    -classpath "$cp" "$cls" --configDir "$CONF" $dyn "$@" \
    > "$LOG/$name.out" 2>&1 < /dev/null 9>&- &  # 9>&-: the daemon must not hold the start lock
  echo $! > "$DIR/$name.pid"
}

status() {
  local up=0 total=0 pid port n
  for name in $(names); do
    total=$((total + 1))
    pid="$(pid_of "$name")"
    if [[ -n "$pid" ]]; then up=$((up + 1)); echo "$name pid $pid"; else echo "$name not running"; fi
  done
  port="$(rest_port)"
  n="$(registered_taskmanagers)"
  echo "rest http://127.0.0.1:${port:-?} taskmanagers registered $n"
  echo "logs $LOG"
  [[ "$up" -eq "$total" && "$n" -eq "$TMS" ]]
}

# stop_pids PID...: SIGTERM (Flink shuts down cleanly on it), up to 30 s, then SIGKILL.
stop_pids() {
  local pid alive
  for pid in "$@"; do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 300); do
    alive=0
    for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [[ "$alive" -eq 0 ]] && break
    sleep 0.1
  done
  for pid in "$@"; do
    if kill -0 "$pid" 2>/dev/null; then say "killing $pid"; kill -9 "$pid" 2>/dev/null || true; fi
  done
}

# wait_for_ports REST RPC: true once the JobManager listens on both, false when it exited first.
wait_for_ports() {
  local pid
  pid="$(cat "$DIR/jobmanager.pid")"
  for _ in $(seq 1 $((${FLINK_START_TIMEOUT:-180} * 2))); do
    kill -0 "$pid" 2>/dev/null || return 1
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; then
      return 0
    fi
    sleep 0.5
  done
  return 1
}

stop() {
  local pids=() pid
  for name in $(names); do
    pid="$(pid_of "$name")"
    [[ -z "$pid" ]] || pids+=("$pid")
  done
  [[ "${#pids[@]}" -eq 0 ]] || stop_pids "${pids[@]}"
  for name in $(names); do rm -f "$DIR/$name.pid"; done
  rm -f "$DIR/rest-port"
  say "stopped (${#pids[@]} processes)"
}

start() {
  local running=0
  for name in $(names); do [[ -n "$(pid_of "$name")" ]] && running=$((running + 1)); done
  if [[ "$running" -gt 0 ]]; then
    if status > /dev/null; then
      say "already running, REST at http://127.0.0.1:$(rest_port)"
      return 0
    fi
    say "partly running; restarting"
    stop
  fi
  local cp want rest rpc jm tm attempt
  cp="$(classpath)"
  want="${FLINK_REST_PORT:-8081}"
  [[ "$want" == 0 ]] && want=8081
  rpc=6123
  # Another program can take a port between the check and the bind: then try the next ones.
  for attempt in 1 2 3; do
    rest="$(free_port "$want")"
    [[ "$rest" == "$want" ]] || say "port $want is taken; REST on $rest"
    rpc="$(free_port "$rpc")"
    [[ "$rpc" != "$rest" ]] || rpc="$(free_port $((rest + 1)))"
    write_config "$rest" "$rpc"
    echo "$rest" > "$DIR/rest-port"
    [[ -n "${jm:-}" ]] || jm="$(resource_params GET_JM_RESOURCE_PARAMS "$cp")"
    launch jobmanager "$JM_CLASS" "$cp" "$(echo "$jm" | sed -n 1p)" "$(echo "$jm" | sed -n 2p)"
    if wait_for_ports "$rest" "$rpc"; then break; fi
    say "the JobManager could not bind $rest/$rpc (attempt $attempt); log: $LOG/jobmanager.log"
    stop_pids "$(cat "$DIR/jobmanager.pid")"
    [[ "$attempt" -lt 3 ]] || { rm -f "$DIR/jobmanager.pid" "$DIR/rest-port"; exit 1; }
    want=$((rest + 1)); rpc=$((rpc + 1))
  done
  tm="$(resource_params GET_TM_RESOURCE_PARAMS "$cp")"
  for i in $(seq 1 "$TMS"); do
    launch "taskmanager-$i" "$TM_CLASS" "$cp" "$(echo "$tm" | sed -n 1p)" \
      "$(echo "$tm" | sed -n 2p)" -D "taskmanager.resource-id=taskmanager-$i"
  done

  local deadline=$((SECONDS + ${FLINK_START_TIMEOUT:-180})) n=0
  while [[ "$SECONDS" -lt "$deadline" ]]; do
    n="$(registered_taskmanagers)"
    [[ "$n" -ge "$TMS" ]] && break
    for name in $(names); do
      if [[ -z "$(pid_of "$name")" ]]; then
        say "$name exited; its log:"; tail -n 30 "$LOG/$name.log" "$LOG/$name.out" >&2 || true
        stop; exit 1
      fi
    done
    sleep 0.5
  done
  if [[ "$n" -lt "$TMS" ]]; then
    say "only $n of $TMS TaskManagers registered in time; logs in $LOG"
    stop; exit 1
  fi
  local tm_pids=""
  for i in $(seq 1 "$TMS"); do tm_pids+="$(pid_of "taskmanager-$i") "; done
  say "up: JobManager pid $(pid_of jobmanager), TaskManagers $tm_pids"
  say "REST and UI at http://127.0.0.1:$rest ($((TMS * SLOTS)) slots); logs in $LOG"
}

# One start or stop at a time per work dir (two would race for the same ports and pid files).
with_lock() {
  exec 9> "$DIR/.lock"
  flock -w 600 9 || { say "another start/stop holds $DIR/.lock"; exit 1; }
  "$@"
}

case "${1:-}" in
  start) with_lock start ;;
  stop) with_lock stop ;;
  status) if status; then exit 0; else exit 3; fi ;;
  port) p="$(rest_port)"; [[ -n "$p" ]] || exit 3; echo "$p" ;;
  *) echo "usage: $0 start|stop|status|port" >&2; exit 64 ;;
esac
