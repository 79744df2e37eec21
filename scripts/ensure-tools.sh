#!/usr/bin/env bash
# Make sure the tools that check the deploy files are installed: promtool (Debian's prometheus
# package) for the alert rules and amtool (prometheus-alertmanager) for the Alertmanager config.
# Only the binaries are wanted; the services the packages start are stopped again.
set -euo pipefail

if command -v promtool >/dev/null && command -v amtool >/dev/null; then
  exit 0
fi
packages=(prometheus prometheus-alertmanager)
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing ${packages[*]} for the deploy checks..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  service prometheus stop >/dev/null 2>&1 || true
  service prometheus-alertmanager stop >/dev/null 2>&1 || true
elif command -v sudo >/dev/null && command -v apt-get >/dev/null; then
  sudo apt-get update -qq && sudo apt-get install -y -qq --no-install-recommends "${packages[@]}"
else
  echo "promtool and amtool are needed for the deploy checks; install them" >&2
  echo "(Debian/Ubuntu: apt-get install ${packages[*]})." >&2
  exit 1
fi
