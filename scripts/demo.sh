#!/usr/bin/env bash
# The main job on the bundled example projects: `orm-test-doctor diagnose` runs each suite once
# through the extension's runner and traced pytest plugin, and names the factory, fixture or test
# behind every failure with file:line. The projects are copied to a temp folder first, so their
# database files never land in the repository; create_override runs twice (its leak shows on the
# second run, from the rows the first one left in dev.db).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh demo
npm run --silent build
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for project in commit_factory async_service_commits savepoint_commit session_pending_rollback create_override unique_values shared_session global_state_polluter; do
  cp -r "test/fixtures/projects/$project" "$tmp/"
  runs=1
  [ "$project" = create_override ] && runs=2
  for run in $(seq "$runs"); do
    echo
    echo "=== $project, run $run (see test/fixtures/projects/$project/README.md) ==="
    # Exit code 1 means "failures diagnosed", which is what these projects show.
    node dist/cli.js diagnose "$tmp/$project" --python /usr/bin/python3 || [ $? -eq 1 ]
  done
done
