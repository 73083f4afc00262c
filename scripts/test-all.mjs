// `npm test`: a lint check and three layers — unit (mocha, no VS Code), Python (plugin + example projects on
// both stacks), integration (mocha inside a real VS Code) — then one line with the totals.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const results = path.join(root, "test-results");
fs.mkdirSync(results, { recursive: true });

function sh(cmd, args, env = {}) {
  return spawnSync(cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } }).status ?? 1;
}

function layer(name, cmd, args) {
  const countsFile = path.join(results, `${name}-counts.json`);
  fs.rmSync(countsFile, { force: true });
  console.log(`\n===== ${name} =====`);
  const code = sh(cmd, args, { ORM_TD_COUNTS_FILE: countsFile });
  let counts = { passed: 0, failed: 0, pending: 0 };
  if (fs.existsSync(countsFile)) counts = JSON.parse(fs.readFileSync(countsFile, "utf8"));
  // A layer that failed without reporting any failure (crash, timeout, build error) counts as one failure.
  if (code !== 0 && counts.failed === 0) counts.failed = 1;
  console.log(`===== ${name}: ${counts.passed} passed, ${counts.failed} failed${counts.pending ? `, ${counts.pending} skipped` : ""}`);
  return counts;
}

const only = process.env.ORM_TD_LAYERS?.split(",");
const want = (n) => !only || only.includes(n);
const total = { passed: 0, failed: 0, pending: 0 };
const add = (c) => { total.passed += c.passed; total.failed += c.failed; total.pending += c.pending ?? 0; };

// Set-up is part of `npm test` on a fresh machine; it is idempotent and quiet when done. The
// integration layer's part (Chromium, the VS Code server) is installed only when that layer runs.
const setup = (...parts) => process.env.ORM_TD_SKIP_SETUP === "1" || sh("bash", ["scripts/setup.sh", ...parts]) === 0;
if (!setup("demo", "python")) {
  console.log("\nset-up failed (see the [setup] messages above)\n0 passed, 1 failed");
  process.exit(1);
}

if (sh("npm", ["run", "--silent", "build"]) !== 0 || sh("npm", ["run", "--silent", "compile-tests"]) !== 0) {
  console.log("\nbuild or type check failed");
  add({ passed: 0, failed: 1 });
} else {
  // One check: src/core and src/cli never import vscode (eslint.config.mjs).
  if (want("lint")) {
    console.log("\n===== lint =====");
    const clean = sh("npx", ["eslint", "src"]) === 0;
    console.log(`===== lint: ${clean ? "1 passed, 0 failed" : "0 passed, 1 failed"}`);
    add(clean ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 });
  }
  if (want("unit")) add(layer("unit", "npx", ["mocha", "--config", ".mocharc.json"]));
  if (want("python")) add(layer("python", "node", ["scripts/test-python.mjs"]));
  if (want("integration")) {
    if (setup("integration")) add(layer("integration", "node", ["out/test/integration/run.js"]));
    else {
      console.log("===== integration: set-up failed (see the [setup] messages above)");
      add({ passed: 0, failed: 1 });
    }
  }
}
console.log(`\n${total.passed} passed, ${total.failed} failed${total.pending ? `, ${total.pending} skipped` : ""}`);
process.exit(total.failed > 0 || total.passed === 0 ? 1 : 0);
