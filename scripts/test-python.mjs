// Layer 2: the pytest plugin's tests (python/tests) and the example projects' checks
// (test/examples), on both Python stacks. Prints per-stack results and writes the totals to
// $ORM_TD_COUNTS_FILE (or test-results/python-counts.json).
// Tests that need a database server skip here unless given its URL (OTD_TEST_POSTGRESQL_URL /
// OTD_TEST_MARIADB_URL for python/tests/test_provenance_servers.py, OTD_DATABASE_URL for the
// *_commit_polluter example projects); test/unit/dbservers/causes.test.ts starts throwaway
// servers and runs them with the URLs on both stacks.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const results = path.join(root, "test-results");
fs.mkdirSync(results, { recursive: true });
const modern = path.join(root, ".cache", "py-modern", "usr", "lib", "python3", "dist-packages");
const stacks = [
  { name: "legacy", env: {} },
  { name: "modern", env: { PYTHONPATH: modern } },
];
const targets = ["python/tests", "test/examples"].filter((t) => fs.existsSync(path.join(root, t)));
const python = process.env.ORM_TD_PYTHON ?? "/usr/bin/python3";

function count(xmlFile) {
  const xml = fs.existsSync(xmlFile) ? fs.readFileSync(xmlFile, "utf8") : "";
  const suites = [...xml.matchAll(/<testsuite\b[^>]*>/g)].map((m) => m[0]);
  const attr = (tag, name) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(tag)?.[1] ?? 0);
  const sum = (name) => suites.reduce((n, t) => n + attr(t, name), 0);
  const total = sum("tests"), failed = sum("failures") + sum("errors"), skipped = sum("skipped");
  return { passed: total - failed - skipped, failed, skipped };
}

const totals = { passed: 0, failed: 0, pending: 0 };
if (stacks.some((s) => s.name === "modern") && !fs.existsSync(path.join(modern, "..", "..", "..", "..", ".done"))) {
  console.error("[python] the modern stack is missing: run scripts/setup.sh");
  totals.failed += 1;
}
for (const stack of stacks) {
  if (targets.length === 0) break;
  const xml = path.join(results, `python-${stack.name}.xml`);
  fs.rmSync(xml, { force: true });
  console.log(`\n[python] ${stack.name} stack: pytest ${targets.join(" ")}`);
  const r = spawnSync(python, ["-m", "pytest", ...targets, "-q", "-p", "no:cacheprovider", `--junitxml=${xml}`], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, ...stack.env },
  });
  const c = count(xml);
  // Exit codes 0 (all passed) and 1 (some failed) are counted from the XML; anything else
  // (usage error, internal error, interrupted, no tests) is a failure of the layer itself.
  if (r.status !== 0 && r.status !== 1) {
    console.error(`[python] ${stack.name}: pytest exited with ${r.status ?? r.signal}`);
    c.failed += 1;
  }
  console.log(`[python] ${stack.name}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
  totals.passed += c.passed;
  totals.failed += c.failed;
  totals.pending += c.skipped;
}
fs.writeFileSync(process.env.ORM_TD_COUNTS_FILE ?? path.join(results, "python-counts.json"), JSON.stringify(totals));
process.exit(totals.failed > 0 ? 1 : 0);
