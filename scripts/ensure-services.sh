#!/usr/bin/env bash
# Make sure the programs the integration, end-to-end and browser tests start are installed:
# the PostgreSQL and Redis server binaries, and Chromium for the dashboard's browser tests
# (tests/browser, driven headless by Playwright). The tests start their own servers and their
# own browser; nothing here runs a service.
set -euo pipefail

have_postgres() { compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null; }
have_redis() { command -v redis-server >/dev/null; }
# Debian's chromium; GitHub's Ubuntu runners (no such package there) come with Google Chrome.
have_chromium() { command -v chromium >/dev/null || command -v google-chrome >/dev/null; }

packages=()
have_postgres || packages+=(postgresql)
have_redis || packages+=(redis-server)
have_chromium || packages+=(chromium fonts-dejavu-core)

if [ ${#packages[@]} = 0 ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing ${packages[*]} for the tests..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  # The packages start system services we do not use; the tests run their own servers.
  service postgresql stop >/dev/null 2>&1 || true
  service redis-server stop >/dev/null 2>&1 || true
elif command -v sudo >/dev/null && command -v apt-get >/dev/null; then
  sudo apt-get update -qq && sudo apt-get install -y -qq "${packages[@]}"
else
  echo "${packages[*]} are needed for the integration and browser tests; install them" >&2
  echo "(Debian/Ubuntu: apt-get install postgresql redis-server chromium)." >&2
  exit 1
fi
