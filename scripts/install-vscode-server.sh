#!/usr/bin/env bash
# Installs Node 24 and the VS Code server (bundled in the code-server npm package) into
# .cache/vscode-server. Reused when present. See ../shared/notes/vscode-in-ci.md.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="$PWD/.cache/vscode-server"
NODE_VER=24.9.0
CS_VER=4.139.1
[ -f "$DIR/.done-$CS_VER" ] && exit 0
echo "[setup] installing the VS Code server (code-server@$CS_VER, Node $NODE_VER) into $DIR; takes a few minutes"
mkdir -p "$DIR"
if [ ! -x "$DIR/node24/node_modules/node/bin/node" ]; then
  mkdir -p "$DIR/node24"
  (cd "$DIR/node24" && echo '{"private":true}' > package.json && npm install --no-audit --no-fund --loglevel=error "node@$NODE_VER" >/dev/null) \
    || { echo "[setup] ERROR: could not install Node 24 from npm" >&2; exit 1; }
fi
NODE24_BIN="$DIR/node24/node_modules/node/bin"
"$NODE24_BIN/node" --version | grep -q '^v24\.' || { echo "[setup] ERROR: Node 24 binary does not run" >&2; exit 1; }
mkdir -p "$DIR/cs"
(cd "$DIR/cs" && echo '{"private":true}' > package.json && \
  PATH="$NODE24_BIN:$PATH" npm install --no-audit --no-fund --loglevel=error "code-server@$CS_VER" >/dev/null) \
  || { echo "[setup] ERROR: code-server install failed (needs libkrb5-dev, g++, make)" >&2; exit 1; }
[ -f "$DIR/cs/node_modules/code-server/lib/vscode/out/server-main.js" ] || { echo "[setup] ERROR: server-main.js missing after install" >&2; exit 1; }
touch "$DIR/.done-$CS_VER"
