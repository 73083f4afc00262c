// `npm run bench`: the benchmarks under bench/, compiled with the tests. Not timed tests:
// they print their figures for the issue notes. Pick some with: npm run bench -- index text
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const BENCHES = {
  runner: ["out/bench/runner.js", "5"], // 2,000 tests: plain pytest -q vs our runner, both stacks
  text: ["out/bench/parse-text.js"], // MB/s of the streaming pytest text parser on a 200 MB log
  fuzz: ["--expose-gc", "out/bench/fuzz.js"], // worst ms/MB of the failure readers over 2,000 fuzz inputs; MB/s of text and junit on 100 MB
  index: ["out/bench/index.js"], // lines/s of a full index of 1,000,000 lines; re-index of one file
  drift: ["out/bench/drift.js"], // static drift check of the 1,000,000-line corpus; one changed file re-checked
  polluter: ["out/bench/polluter.js"], // culprit named: one diagnose vs plain pytest + bisection; 100/1,000/5,000 tests, both stacks
};
const pick = process.argv.slice(2).filter((a) => a in BENCHES);
const names = pick.length ? pick : Object.keys(BENCHES);
// the polluter bench times the bundled CLI (dist/cli.js), the others the compiled sources
for (const script of names.includes("polluter") ? ["build", "compile-tests"] : ["compile-tests"]) {
  if (spawnSync("npm", ["run", "--silent", script], { cwd: root, stdio: "inherit" }).status !== 0) process.exit(1);
}
let failed = false;
for (const name of names) {
  console.log(`\n=== bench: ${name} (load ${(await import("node:os")).loadavg().map((n) => n.toFixed(2)).join(" ")}) ===`);
  const r = spawnSync(process.execPath, BENCHES[name], { cwd: root, stdio: "inherit" });
  failed ||= r.status !== 0;
}
process.exit(failed ? 1 : 0);
