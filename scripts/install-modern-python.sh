#!/usr/bin/env bash
# The modern Python stack (pytest 8, SQLAlchemy 2.0, factory_boy 3) from Debian 13 (trixie)
# pure-Python packages, downloaded with a private apt state and unpacked into .cache/py-modern.
# The machine's own apt state is not touched. Reused when present.
set -euo pipefail
cd "$(dirname "$0")/.."
MODERN="$PWD/.cache/py-modern"
MODERN_PKGS=(python3-sqlalchemy python3-factory-boy python3-fake-factory python3-pytest python3-pluggy
  python3-iniconfig python3-packaging python3-typing-extensions python3-dateutil python3-tz)
[ -f "$MODERN/.done" ] && exit 0
die() { echo "[setup] ERROR: $*" >&2; exit 1; }
echo "[setup] fetching the modern Python stack (Debian trixie packages) into $MODERN"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
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
PYTHONPATH="$MODERN/usr/lib/python3/dist-packages" /usr/bin/python3 -c \
  "import sqlalchemy, factory, pytest; assert sqlalchemy.__version__.startswith('2.'), sqlalchemy.__version__" \
  || die "modern stack does not import"
touch "$MODERN/.done"
