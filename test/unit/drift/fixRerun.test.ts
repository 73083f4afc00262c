// The drift fixes, proven by a real run: every offered edit applied to a copy of a drift project,
// then pytest on both stacks: each failure whose first cause was a fixed finding now passes.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { applyEdit, check, fixEdit } from "../../../src/core/drift";
import { indexWorkspace } from "../../../src/core/index";
import { fixturePath, pythonStacks } from "../../util";

type Causes = Record<string, { kind: string; file: string; line: number }>;

function outcomes(dir: string, env: Record<string, string>): Map<string, string> {
  const r = spawnSync("/usr/bin/python3", ["-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider"], { cwd: dir, encoding: "utf8", env: { ...process.env, ...env }, timeout: 120_000 });
  const out = new Map<string, string>();
  for (const m of r.stdout.matchAll(/^(PASSED|FAILED|ERROR) (\S+)/gm)) out.set(m[2] ?? "", m[1] ?? "");
  return out;
}

describe("drift: fixes proven by a re-run", function () {
  this.timeout(240_000);
  for (const name of ["drift_legacy", "drift_modern"]) {
    it(`${name}: after every offered edit, the failures they explained pass on both stacks`, async () => {
      const work = fs.mkdtempSync(path.join(os.tmpdir(), "otd-driftfix-"));
      const dir = path.join(work, name);
      fs.cpSync(fixturePath("projects", name), dir, { recursive: true, filter: (src) => !src.includes("__pycache__") });
      try {
        const causes = (JSON.parse(fs.readFileSync(path.join(dir, "expected.json"), "utf8")) as { causes: { run1: Causes } }).causes.run1;
        const index = await indexWorkspace(dir, { workers: 0 });
        const findings = check(index);
        // one quick fix at a time, as in the editor: each computed on the current text
        const fixed = new Set<string>();
        const tried = new Set<string>();
        for (;;) {
          const next = check(index).find((f) => f.edit && !tried.has(`${f.kind}|${f.symbol}|${f.evidence}`));
          if (!next) break;
          tried.add(`${next.kind}|${next.symbol}|${next.evidence}`);
          const file = path.join(dir, next.file);
          const edit = fixEdit(next, fs.readFileSync(file, "utf8"));
          if (!edit) continue;
          const text = applyEdit(fs.readFileSync(file, "utf8"), edit);
          fs.writeFileSync(file, text);
          await index.updateFile(next.file, text);
          // where the finding sat in the original project (expected.json's causes name those lines)
          const original = findings.find((f) => f.kind === next.kind && f.symbol === next.symbol && f.evidence === next.evidence);
          if (original) fixed.add(`${original.file}:${original.line}`);
        }
        assert.ok(fixed.size >= 4, `${fixed.size} edits`);
        const repaired = Object.entries(causes).filter(([, c]) => fixed.has(`${c.file}:${c.line}`)).map(([id]) => id);
        assert.ok(repaired.length >= 4, `${repaired.length} failures to repair`);
        // the static check agrees: what was fixed is no longer reported
        const after = check(await indexWorkspace(dir, { workers: 0 }));
        assert.equal(after.length, findings.length - fixed.size, after.map((f) => `${f.file}:${f.line} ${f.kind}`).join("\n"));
        for (const stack of pythonStacks()) {
          const got = outcomes(dir, stack.env);
          for (const id of repaired) assert.equal(got.get(id), "PASSED", `${stack.name}: ${id}`);
        }
      } finally {
        fs.rmSync(work, { recursive: true, force: true });
      }
    });
  }
});
