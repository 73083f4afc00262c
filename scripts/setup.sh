#!/usr/bin/env bash
# Takes a fresh Debian machine with Node to a state where `npm test` and `npm run demo` work.
# Idempotent: every step checks first and stays quiet when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE="$ROOT/.cache"
mkdir -p "$CACHE"

say() { echo "[setup] $*"; }
die() { echo "[setup] ERROR: $*" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root for: $*  (no sudo found)"; fi; }

# 1. Debian packages ------------------------------------------------------------
APT_PKGS=(python3-pytest python3-sqlalchemy python3-factory-boy python3-pytest-xdist python3-pytest-cov
  python3-psycopg2 python3-pymysql python3-coverage postgresql mariadb-server chromium libkrb5-dev g++ make)
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
MODERN="$CACHE/py-modern"
MODERN_PKGS=(python3-sqlalchemy python3-factory-boy python3-fake-factory python3-pytest python3-pluggy
  python3-iniconfig python3-packaging python3-typing-extensions python3-dateutil python3-tz)
if [ ! -f "$MODERN/.done" ]; then
  say "fetching the modern Python stack (Debian trixie packages) into $MODERN"
  tmp=$(mktemp -d)
  src=/etc/apt/sources.list.d/debian.sources
  uri=$(awk '/^URIs:/{print $2; exit}' "$src" 2>/dev/null || true)
  [ -n "$uri" ] || uri=http://deb.debian.org/debian
  key=$(awk '/^Signed-By:/{print $2; exit}' "$src" 2>/dev/null || true)
  [ -n "$key" ] || key=/usr/share/keyrings/debian-archive-keyring.gpg
  printf 'Types: deb\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: %s\n' "$uri" "$key" > "$tmp/trixie.sources"
  mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial" "$tmp/debs"
  opts=(-o "Dir::Etc::SourceList=$tmp/trixie.sources" -o Dir::Etc::SourceParts=/dev/null
        -o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache=$tmp/cache" -o APT::Sandbox::User=root)
  apt-get "${opts[@]}" update -qq >/dev/null || die "apt-get update for trixie failed"
  (cd "$tmp/debs" && apt-get "${opts[@]}" download "${MODERN_PKGS[@]}" >/dev/null) || die "could not download trixie packages"
  rm -rf "$MODERN"; mkdir -p "$MODERN"
  for d in "$tmp"/debs/*.deb; do dpkg -x "$d" "$MODERN"; done
  rm -rf "$tmp"
  PYTHONPATH="$MODERN/usr/lib/python3/dist-packages" /usr/bin/python3 -c \
    "import sqlalchemy, factory, pytest; assert sqlalchemy.__version__.startswith('2.'), sqlalchemy.__version__" \
    || die "modern stack does not import"
  touch "$MODERN/.done"
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
bash scripts/install-vscode-server.sh
