#!/usr/bin/env bash
# The main job on the bundled example projects: their tests run through the extension's runner
# and pytest plugin, and the database failures are printed grouped by cause. The projects are
# copied to a temp folder first, so their database files never land in the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh demo
npm run --silent build
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for project in commit_factory session_pending_rollback; do
  cp -r "test/fixtures/projects/$project" "$tmp/"
  echo
  echo "=== $project (see test/fixtures/projects/$project/README.md) ==="
  # Exit code 1 means "some tests failed", which is what these projects show.
  node dist/cli.js run "$tmp/$project" --python /usr/bin/python3 || [ $? -eq 1 ]
done
