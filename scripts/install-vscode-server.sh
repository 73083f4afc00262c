#!/usr/bin/env bash
# Installs Node 24 and the VS Code server (bundled in the code-server npm package) into
# .cache/vscode-server. Reused when present.
# code-server's postinstall refuses any Node but 24, and it reads the version from
# npm_config_user_agent, which an outer `npm run` (on the machine's Node 20) exports. So the nested
# npm installs run without the variables `npm run` sets about itself.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="$PWD/.cache/vscode-server"
NODE_VER=24.9.0
CS_VER=4.139.1
[ -f "$DIR/.done-$CS_VER" ] && exit 0
# npm's settings (npm_config_* from .npmrc or the user) are kept; only what `npm run` adds about itself goes.
clean_npm_env() {
  local unset=(-u npm_config_user_agent -u npm_execpath -u npm_node_execpath -u NODE) v
  for v in $(compgen -e); do case "$v" in npm_lifecycle_*|npm_package_*) unset+=(-u "$v");; esac; done
  env "${unset[@]}" "$@"
}
echo "[setup] installing the VS Code server (code-server@$CS_VER, Node $NODE_VER) into $DIR; takes a few minutes"
mkdir -p "$DIR"
if [ ! -x "$DIR/node24/node_modules/node/bin/node" ]; then
  mkdir -p "$DIR/node24"
  (cd "$DIR/node24" && echo '{"private":true}' > package.json && clean_npm_env npm install --no-audit --no-fund --loglevel=error "node@$NODE_VER" >/dev/null) \
    || { echo "[setup] ERROR: could not install Node 24 from npm" >&2; exit 1; }
fi
NODE24_BIN="$DIR/node24/node_modules/node/bin"
"$NODE24_BIN/node" --version | grep -q '^v24\.' || { echo "[setup] ERROR: Node 24 binary does not run" >&2; exit 1; }
mkdir -p "$DIR/cs"
(cd "$DIR/cs" && echo '{"private":true}' > package.json && \
  PATH="$NODE24_BIN:$PATH" clean_npm_env npm install --no-audit --no-fund --loglevel=error "code-server@$CS_VER" >/dev/null) \
  || { echo "[setup] ERROR: code-server install failed (needs libkrb5-dev, g++, make)" >&2; exit 1; }
[ -f "$DIR/cs/node_modules/code-server/lib/vscode/out/server-main.js" ] || { echo "[setup] ERROR: server-main.js missing after install" >&2; exit 1; }
touch "$DIR/.done-$CS_VER"
