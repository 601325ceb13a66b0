#!/usr/bin/env bash
# A real Kafka broker on 127.0.0.1: one JVM in KRaft mode (broker and controller in one process, no
# ZooKeeper), started from Maven artifacts (run-scripts/kafka/pom.xml is the class path a Kafka
# distribution's libs/ would hold). The engine's requests, results and failures topics live here.
#
#   run-scripts/kafka.sh start    formats the log dir (first start) and starts the broker, or says it
#                                 is running; waits until it accepts connections
#   run-scripts/kafka.sh stop     stops it (SIGTERM: a clean shutdown) and waits for it
#   run-scripts/kafka.sh status   pid and address; exit 0 when it is up, 3 when it is not
#   run-scripts/kafka.sh port     the port of the running broker
#
# Environment (all optional):
#   KAFKA_DIR            work dir: config, data, log, pid file (default work-out/kafka)
#   KAFKA_PORT           client port (default 9092; when taken, the next free one; 0 = any free)
#   KAFKA_PARTITIONS     partitions of topics created on first use (default 4)
#   KAFKA_HEAP           broker heap (default 512m)
#   KAFKA_START_TIMEOUT  seconds to wait for the broker (default 120)
#   MAVEN_REPO           Maven local repository to resolve the broker's artifacts in (default Maven's)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CP_PROJECT="$ROOT/run-scripts/kafka"
DIR="${KAFKA_DIR:-$ROOT/work-out/kafka}"
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
CONF="$DIR/conf"
LOG="$DIR/log"
DATA="$DIR/data"
PIDFILE="$DIR/kafka.pid"

say() { echo "kafka: $*" >&2; }
# shellcheck source=services.sh
source "$ROOT/run-scripts/services.sh"

# The broker's pid when it is alive and ours.
pid_of() { owned_pid "$PIDFILE" "$CONF/server.properties"; }

classpath() { maven_classpath "$CP_PROJECT" Kafka; }

broker_port() {
  cat "$DIR/port" 2>/dev/null || true
}

write_config() {
  local port="$1" controller="$2"
  mkdir -p "$CONF" "$LOG" "$DATA"
  cat > "$CONF/server.properties" <<EOF
# Written by run-scripts/kafka.sh; rewritten at every start.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA
num.partitions=${KAFKA_PARTITIONS:-4}
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=24
EOF
  cat > "$CONF/log4j2.properties" <<EOF
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = File
appender.file.type = File
appender.file.name = File
appender.file.fileName = $LOG/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
EOF
}

status() {
  local pid port
  pid="$(pid_of)"
  port="$(broker_port)"
  if [[ -n "$pid" ]]; then echo "kafka pid $pid"; else echo "kafka not running"; fi
  echo "bootstrap 127.0.0.1:${port:-?}"
  echo "logs $LOG"
  [[ -n "$pid" && -n "$port" ]] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

stop() {
  local pid
  pid="$(pid_of)"
  if [[ -n "$pid" ]]; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then say "killing $pid"; kill -9 "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$PIDFILE" "$DIR/port"
  say "stopped${pid:+ (pid $pid)}"
}

start() {
  if [[ -n "$(pid_of)" ]]; then
    if status > /dev/null; then say "already running at 127.0.0.1:$(broker_port)"; return 0; fi
    say "running but not answering; restarting"
    stop
  fi
  local cp want port controller
  cp="$(classpath)"
  want="${KAFKA_PORT:-9092}"
  [[ "$want" == 0 ]] && want=19092
  port="$(free_port "$want")"
  [[ "$port" == "$want" || "${KAFKA_PORT:-9092}" == 0 ]] || say "port $want is taken; broker on $port"
  controller="$(free_port $((port + 1)))"
  write_config "$port" "$controller"
  local jvm=(-Xmx"${KAFKA_HEAP:-512m}" -Xms128m -XX:+UseG1GC -Djava.awt.headless=true
    -Dlog4j2.configurationFile="file:$CONF/log4j2.properties")
  if [[ ! -f "$DATA/meta.properties" ]]; then
    local id
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
    java "${jvm[@]}" -cp "$cp" kafka.tools.StorageTool format --cluster-id="$id" \
      -c "$CONF/server.properties" > "$LOG/format.out" 2>&1 \
      || { say "formatting $DATA failed:"; cat "$LOG/format.out" >&2; exit 1; }
  fi
  echo "$port" > "$DIR/port"
  # setsid: the broker outlives the shell that started it and its Ctrl-C.
  setsid java "${jvm[@]}" -cp "$cp" kafka.Kafka "$CONF/server.properties" \
    > "$LOG/kafka.out" 2>&1 < /dev/null 9>&- &
  echo $! > "$PIDFILE"
  local deadline=$((SECONDS + ${KAFKA_START_TIMEOUT:-120}))
  while [[ "$SECONDS" -lt "$deadline" ]]; do
    if [[ -z "$(pid_of)" ]]; then
      say "the broker exited; its log:"; tail -n 30 "$LOG/server.log" "$LOG/kafka.out" >&2 || true
      rm -f "$PIDFILE" "$DIR/port"; exit 1
    fi
    if grep -q "Kafka Server started" "$LOG/server.log" 2>/dev/null \
        && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      say "up: pid $(pid_of), bootstrap 127.0.0.1:$port; logs in $LOG"
      return 0
    fi
    sleep 0.3
  done
  say "the broker did not start in time; logs in $LOG"
  stop; exit 1
}

with_lock() {
  exec 9> "$DIR/.lock"
  flock -w 300 9 || { say "another start/stop holds $DIR/.lock"; exit 1; }
  "$@"
}

case "${1:-}" in
  start) with_lock start ;;
  stop) with_lock stop ;;
  status) if status; then exit 0; else exit 3; fi ;;
  port) p="$(broker_port)"; [[ -n "$p" ]] || exit 3; echo "$p" ;;
  *) echo "usage: $0 start|stop|status|port" >&2; exit 64 ;;
esac
