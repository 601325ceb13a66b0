#!/usr/bin/env bash
# Helpers shared by the scripts that start long-running services from Maven artifacts
# (flink-cluster.sh, kafka.sh): owned pids, free ports, a cached class path. Sourced; each script
# defines say() first.

# owned_pid PIDFILE MARKER: the pid in PIDFILE when that process is alive and its command line
# contains MARKER (our config), else nothing. Guards against a recycled pid.
owned_pid() {
  local f="$1" marker="$2" pid
  [[ -f "$f" ]] || return 0
  pid="$(cat "$f")"
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null \
      && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$marker"; then
    echo "$pid"
  fi
}

# A port is taken when something listens there, or when any socket still holds it (TIME_WAIT of a
# service just stopped: a server cannot bind it then).
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
  command -v ss > /dev/null && [[ -n "$(ss -Htan "( sport = :$1 )" 2>/dev/null)" ]]
}

# free_port FROM: FROM if it is free, else the next port that is.
free_port() {
  local p="$1"
  while port_in_use "$p"; do p=$((p + 1)); done
  echo "$p"
}

# maven_classpath PROJECT WHAT: the class path of the pom in PROJECT, resolved by Maven once (into
# MAVEN_REPO when set) and again whenever the pom changes.
maven_classpath() {
  local project="$1" what="$2" cpfile="$1/target/classpath.txt" repo=()
  [[ -z "${MAVEN_REPO:-}" ]] || repo=("-Dmaven.repo.local=$MAVEN_REPO")
  if [[ ! -s "$cpfile" || "$project/pom.xml" -nt "$cpfile" ]]; then
    say "resolving the $what class path (${project#"$ROOT"/}/pom.xml)"
    (cd "$project" && mvn -q -B "${repo[@]}" dependency:build-classpath -Dmdep.outputFile="$cpfile") >&2 \
      || { say "cannot resolve the $what artifacts"; exit 1; }
  fi
  cat "$cpfile"
}
