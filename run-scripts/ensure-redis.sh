#!/usr/bin/env bash
# Makes sure redis-server (the real one) is on this machine, for the budget store's tests and the
# bench-store cases: installs the Debian/Ubuntu package when it is missing. Installs nothing when it
# is there; starts nothing (the tests and benches start their own servers on free loopback ports).
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [[ "$(id -u)" != 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "openai-beam: redis-server is missing and this user cannot install it: install the redis-server package" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "openai-beam: redis-server is missing: install Redis 7 (redis-server on PATH)" >&2
  exit 1
fi
echo "openai-beam: installing redis-server (the budget store's tests run a real one)" >&2
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y -q redis-server >/dev/null 2>&1; then
  $SUDO apt-get update -q >/dev/null 2>&1 || true
  $SUDO apt-get install -y -q redis-server >/dev/null
fi
command -v redis-server >/dev/null 2>&1
