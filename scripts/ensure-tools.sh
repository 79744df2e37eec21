#!/usr/bin/env bash
# Make sure the tools that check the deploy files and the docs are installed: promtool (Debian's
# prometheus package) for the alert rules, amtool (prometheus-alertmanager) for the Alertmanager
# config, and Node.js with Mermaid (scripts/mermaid, from the npm registry) for the diagrams in
# docs/. Only the binaries are wanted; the services the packages start are stopped again.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

apt_install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing $* for the deploy and docs checks..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  elif command -v sudo >/dev/null && command -v apt-get >/dev/null; then
    sudo apt-get update -qq && sudo apt-get install -y -qq --no-install-recommends "$@"
  else
    echo "$* are needed for the deploy and docs checks; install them" >&2
    echo "(Debian/Ubuntu: apt-get install $*)." >&2
    exit 1
  fi
}

if ! command -v promtool >/dev/null || ! command -v amtool >/dev/null; then
  apt_install prometheus prometheus-alertmanager
  service prometheus stop >/dev/null 2>&1 || true
  service prometheus-alertmanager stop >/dev/null 2>&1 || true
fi

# Mermaid's own parser for tests/unit/test_docs_diagrams.py (no browser needed).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  apt_install nodejs npm
fi
mermaid="$root/scripts/mermaid"
stamp="$mermaid/node_modules/.devbot-lock"
if ! cmp -s "$mermaid/package-lock.json" "$stamp"; then
  echo "installing Mermaid (scripts/mermaid) for the docs checks..."
  (cd "$mermaid" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$mermaid/package-lock.json" "$stamp"
fi
