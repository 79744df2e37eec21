#!/usr/bin/env bash
# Make sure the PostgreSQL and Redis server binaries that the integration and end-to-end tests
# start are installed. The tests start their own servers; nothing here runs a service.
set -euo pipefail

have_postgres() { compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null; }
have_redis() { command -v redis-server >/dev/null; }

if have_postgres && have_redis; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing postgresql and redis-server for the tests..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql redis-server >/dev/null
  # The packages start system services we do not use; the tests run their own servers.
  service postgresql stop >/dev/null 2>&1 || true
  service redis-server stop >/dev/null 2>&1 || true
elif command -v sudo >/dev/null && command -v apt-get >/dev/null; then
  sudo apt-get update -qq && sudo apt-get install -y -qq postgresql redis-server
else
  echo "PostgreSQL and redis-server are needed for the integration tests; install them" >&2
  echo "(Debian/Ubuntu: apt-get install postgresql redis-server)." >&2
  exit 1
fi
