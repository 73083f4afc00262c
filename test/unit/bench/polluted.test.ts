// Keeps bench/polluter.ts honest: its generated suite really has one victim (UNIQUE failure after
// the planted polluter, every other test passes, the victim passes alone), `diagnose --json` names
// the planted polluter test and factory, and the bisection baseline finds the same test.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Bisector } from "../../../bench/bisect";
import { generatePollutedSuite, plantedPositions, type PollutedSuite } from "../../../bench/genPolluted";
import type { DiagnoseDocument } from "../../../src/core/causes/document";
import { repoRoot } from "../../util";

const PYTHON = "/usr/bin/python3"; // the legacy stack: SQLAlchemy 1.4, factory_boy 2.x
const cli = path.join(repoRoot(), "out", "src", "cli", "main.js");

function pytest(dir: string, args: string[]): { code: number | null; out: string } {
  const r = spawnSync(PYTHON, ["-m", "pytest", "-q", "-p", "no:cacheprovider", ...args], { cwd: dir, encoding: "utf8", timeout: 120_000 });
  return { code: r.status, out: r.stdout + r.stderr };
}

describe("bench/genPolluted: the planted polluter suite", function () {
  this.timeout(180_000);
  let work: string;
  let suite: PollutedSuite;
  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "otd-polluted-"));
    suite = generatePollutedSuite(path.join(work, "suite"), 30);
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it("places the victim well after the polluter (100 tests: 50 or more later)", () => {
    const { polluter, victim } = plantedPositions(100);
    assert.ok(victim - polluter >= 50 && victim >= 60 && victim <= 90, `${polluter} → ${victim}`);
  });

  it("only the victim fails, on the UNIQUE constraint; alone it passes", () => {
    const all = pytest(suite.dir, []);
    assert.equal(all.code, 1, all.out);
    assert.deepEqual([...all.out.matchAll(/^FAILED (\S+)/gm)].map((m) => m[1]), [suite.victim]);
    assert.match(all.out, /UNIQUE constraint failed: users\.email/);
    assert.match(all.out, /1 failed, 29 passed/);
    const alone = pytest(suite.dir, [suite.victim]);
    assert.equal(alone.code, 0, alone.out);
  });

  it("diagnose --json names the planted polluter test and factory", () => {
    const r = spawnSync(process.execPath, [cli, "diagnose", suite.dir, "--python", PYTHON, "--json"], { encoding: "utf8", timeout: 120_000 });
    assert.equal(r.status, 1, r.stderr);
    const doc = JSON.parse(r.stdout) as DiagnoseDocument;
    assert.deepEqual(doc.failures.map((f) => f.nodeid), [suite.victim]);
    const causes = doc.failures[0]!.causes.map((c) => `${c.kind}:${c.symbol}`);
    assert.ok(causes.includes(`polluter-test:${suite.polluter}`), JSON.stringify(causes));
    assert.ok(causes.includes(`factory-commits:${suite.factory}`), JSON.stringify(causes));
  });

  it("the bisection baseline finds the planted polluter (8 tests)", async () => {
    const small = generatePollutedSuite(path.join(work, "small"), 8);
    const found = await new Bisector(small.dir, {}).run(small.victim);
    assert.equal(found.polluter, small.polluter, found.log.join("\n"));
    // discovery, victim alone, victim after all, log2(7) ≈ 3 halvings, the double-check
    assert.equal(found.runs, 7, found.log.join("\n"));
  });
});
