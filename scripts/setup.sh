#!/usr/bin/env bash
# Takes a fresh Debian machine with Node 20 to a state where the README's commands work.
# Parts (any combination; default: all):
#   demo         Python packages the example projects need, npm packages
#   python       + the Python test layer: pytest-cov, database drivers and servers, the modern stack
#   integration  + the VS Code integration layer: Chromium, debugpy, Node 24 and the VS Code server
# Idempotent: every step checks first and stays quiet when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE="$ROOT/.cache"
mkdir -p "$CACHE"

say() { echo "[setup] $*"; }
die() { echo "[setup] ERROR: $*" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root for: $*  (no sudo found)"; fi; }

parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(demo python integration)
want() { local p; for p in "${parts[@]}"; do [ "$p" = "$1" ] && return 0; done; return 1; }
for p in "${parts[@]}"; do
  case "$p" in demo|python|integration) ;; *) die "unknown part '$p' (expected demo, python or integration)";; esac
done

# 1. Debian packages ------------------------------------------------------------
APT_PKGS=(python3-pytest python3-sqlalchemy python3-factory-boy python3-pytest-xdist python3-aiosqlite g++ make)
want python && APT_PKGS+=(python3-pytest-cov python3-psycopg2 python3-pymysql python3-asyncpg python3-aiomysql python3-coverage postgresql mariadb-server)
want integration && APT_PKGS+=(python3-pytest-cov python3-coverage python3-debugpy chromium libkrb5-dev)
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq || die "apt-get update failed"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
    || die "could not install: ${missing[*]} (check apt sources and network)"
fi

# 2. Modern Python stack (Debian 13 pure-Python packages, unpacked) -------------
if want python; then
  bash scripts/install-modern-python.sh
fi

# 3. npm dependencies -------------------------------------------------------------
stamp="$ROOT/node_modules/.setup-stamp"
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null || die "npm ci failed"
  touch "$stamp"
fi
node -e "require('sqlite3')" 2>/dev/null || {
  say "building the sqlite3 binding from source"
  npm rebuild sqlite3 --build-from-source >/dev/null || die "sqlite3 binding could not be built (needs g++, make, python3)"
}

# 4. VS Code server (for integration tests on the "server" host) ------------------
if want integration; then
  bash scripts/install-vscode-server.sh
fi
