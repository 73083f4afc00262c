// Every fix edit of the drift projects: applied to the file's text it parses without an ERROR
// node, the check no longer reports the finding, and applying it again changes nothing.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { applyEdit, check, fixEdit, type Finding } from "../../../src/core/drift";
import { indexWorkspace } from "../../../src/core/index";
import { pythonParser } from "../../../src/core/pyparse";
import { fixturePath } from "../../util";

const same = (a: Finding, b: Finding): boolean => a.kind === b.kind && a.symbol === b.symbol && a.evidence === b.evidence;

describe("drift: fix edits", () => {
  for (const name of ["drift_legacy", "drift_modern"]) {
    it(`${name}: each edit parses, removes its finding, and is applied once`, async () => {
      const root = fixturePath("projects", name);
      const parser = await pythonParser();
      const findings = check(await indexWorkspace(root, { workers: 0 }));
      const withEdit = findings.filter((f) => f.edit);
      assert.ok(withEdit.length >= 4, `${withEdit.length} edits`);
      for (const f of withEdit) {
        const text = fs.readFileSync(path.join(root, f.file), "utf8");
        const edit = fixEdit(f, text);
        assert.ok(edit, `${f.file}:${f.line} ${f.kind}: no edit`);
        const fixed = applyEdit(text, edit);
        assert.notEqual(fixed, text);
        const tree = parser.parse(fixed);
        assert.ok(tree && !tree.rootNode.hasError, `${f.file}:${f.line}: ${edit.title} leaves a syntax error`);
        tree?.delete();
        assert.equal(fixEdit(f, fixed), undefined, `${f.file}:${f.line}: applies twice`);
        const idx = await indexWorkspace(root, { workers: 0 });
        await idx.updateFile(f.file, fixed);
        const after = check(idx);
        assert.ok(!after.some((g) => same(f, g)), `${f.file}:${f.line} ${f.kind} still reported after: ${edit.title}`);
        assert.equal(after.length, findings.length - 1, `${edit.title}: ${after.map((g) => g.evidence).join("\n")}`);
      }
    });
  }

  it("edits the exact range: a rename, an enum member, a declaration at the body's indentation", async () => {
    const root = fixturePath("projects", "drift_legacy");
    const findings = check(await indexWorkspace(root, { workers: 0 }));
    const edit = (file: string, line: number) => {
      const f = findings.find((x) => x.file === file && x.line === line);
      assert.ok(f);
      return fixEdit(f, fs.readFileSync(path.join(root, file), "utf8"));
    };
    assert.deepEqual(edit("factories.py", 45), {
      file: "factories.py",
      range: { start: { line: 44, character: 4 }, end: { line: 44, character: 10 } },
      newText: "holder_name",
      title: "Rename `holder` to `holder_name`",
    });
    assert.deepEqual(edit("tests/test_customers.py", 31)?.range, { start: { line: 30, character: 47 }, end: { line: 30, character: 58 } });
    assert.equal(edit("tests/test_customers.py", 31)?.newText, "ADJUDICATING");
    assert.deepEqual(edit("tests/test_customers.py", 25)?.range, { start: { line: 24, character: 24 }, end: { line: 24, character: 30 } });
    assert.deepEqual(edit("factories.py", 48), {
      file: "factories.py",
      range: { start: { line: 51, character: 32 }, end: { line: 51, character: 32 } },
      newText: "\n    policy = factory.SubFactory(PolicyFactory)",
      title: "Declare `policy = factory.SubFactory(PolicyFactory)`",
    });
  });
});
