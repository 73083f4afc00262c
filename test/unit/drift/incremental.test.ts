// Edits re-checked incrementally give exactly what a fresh index of the same files gives: a
// differential test over the example projects, editing every non-test module in turn (lines
// shifted, declarations renamed, removed and added, constants changed, a factory added).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { check, checkFile, DriftFindings, type Finding } from "../../../src/core/drift";
import { ProjectIndex } from "../../../src/core/index";
import { findPythonFiles } from "../../../src/core/index/walk";
import { fixturePath } from "../../util";
import { USER_FACTORIES, USER_MODELS } from "./userProject";

const full = (fs_: Finding[]): string[] => fs_.map((f) => JSON.stringify(f));

async function fresh(texts: Map<string, string>): Promise<ProjectIndex> {
  const idx = new ProjectIndex();
  for (const [rel, text] of texts) await idx.updateFile(rel, text);
  return idx;
}

/** Edits applied one after another, each to the previous text. */
const EDITS: Array<[string, (t: string) => string]> = [
  ["lines shifted", (t) => "\n\n" + t],
  ["a class-body name renamed", (t) => t.replace(/^( {4})([a-z_]\w*)( = )/m, "$1$2_x$3")],
  ["a constant changed", (t) => t.replace(/^( {4}\w+ = )(\d+)$/m, (_m, a: string, n: string) => a + String(Number(n) + 7))],
  ["a class-body line removed", (t) => t.replace(/^ {4}[a-z_]\w* = .*\n/m, "")],
  ["an enum member renamed", (t) => t.replace(/^( {4})([A-Z][A-Z_]+)( = )/m, "$1$2X$3")],
  ["a factory added", (t) => {
    const base = /^class (\w+Factory)\(/m.exec(t)?.[1];
    return base ? `${t}\n\nclass Extra${base}(${base}):\n    nickname = "x"\n` : t;
  }],
  ["a model column made nullable", (t) => t.replace(/nullable=False/, "nullable=True")],
  ["a call keyword renamed", (t) => t.replace(/(Factory(?:\.create|\.build)?\()(\w+)=/, "$1$2_y=")],
];

async function projectTexts(project: string[]): Promise<Map<string, string>> {
  const root = fixturePath(...project);
  const texts = new Map<string, string>();
  for (const rel of await findPythonFiles(root)) texts.set(rel.split(path.sep).join("/"), fs.readFileSync(path.join(root, rel), "utf8"));
  return texts;
}

const sorted = (fs_: Finding[]): string[] => full(fs_).sort();

describe("drift: incremental re-check equals a fresh index", function () {
  this.timeout(120_000);
  for (const project of [["projects", "drift_legacy"], ["projects", "drift_modern"], ["index", "proj"]]) {
    it(`${project[1]}: every edit of every non-test module`, async () => {
      const texts = await projectTexts(project);
      const idx = await fresh(texts);
      let patched = 0;
      const modules = [...texts.keys()].filter((rel) => !/(^|\/)test_[^/]*\.py$/.test(rel));
      for (const rel of modules) {
        for (const [what, edit] of EDITS) {
          check(idx); // the views are built, as in the editor, before the edit comes
          idx.factories();
          const text = edit(texts.get(rel) ?? "");
          if (text === texts.get(rel)) continue;
          texts.set(rel, text);
          await idx.updateFile(rel, text);
          const want = await fresh(texts);
          const label = `${rel}: ${what}`;
          assert.deepEqual(full(checkFile(idx, rel)), full(checkFile(want, rel)), label);
          assert.deepEqual(full(check(idx)), full(check(want)), label);
          assert.deepEqual(JSON.stringify(idx.factories()), JSON.stringify(want.factories()), label);
          assert.deepEqual(JSON.stringify(idx.models()), JSON.stringify(want.models()), label);
          patched = idx.patchedFiles().length > 0 ? patched + 1 : patched;
        }
      }
      assert.ok(patched > 0, "some edits were patched in place, not rebuilt");
    });
  }

  for (const project of [["projects", "drift_legacy"], ["projects", "drift_modern"], ["index", "proj"]]) {
    it(`${project[1]}: the editor's findings per file after every edit of every file`, async () => {
      const texts = await projectTexts(project);
      const idx = await fresh(texts);
      const findings = new DriftFindings();
      assert.equal(findings.update(idx).full, true);
      assert.deepEqual(sorted(findings.all()), sorted(check(idx)));
      let partial = 0;
      for (const rel of [...texts.keys()]) {
        for (const [what, edit] of EDITS) {
          const text = edit(texts.get(rel) ?? "");
          if (text === texts.get(rel)) continue;
          texts.set(rel, text);
          await idx.updateFile(rel, text);
          if (!findings.update(idx, [rel]).full) partial++;
          assert.deepEqual(sorted(findings.all()), sorted(check(await fresh(texts))), `${rel}: ${what}`);
        }
      }
      assert.ok(partial > 0, "some edits were re-checked file by file");
    });
  }

  it("a factories edit re-checks the files calling its factories and those inheriting from them", async () => {
    const texts = new Map<string, string>([
      ["models.py", USER_MODELS],
      ["factories.py", USER_FACTORIES],
      ["more_factories.py", `from factories import UserFactory

class AdminFactory(UserFactory):
    pass
`],
      ["tests/test_users.py", `from factories import UserFactory
from more_factories import AdminFactory

def test_vip():
    UserFactory(vip=True)

def test_admin():
    AdminFactory(vip=True)
`],
    ]);
    const idx = await fresh(texts);
    const findings = new DriftFindings();
    findings.update(idx);
    assert.deepEqual(findings.all(), []);
    const edited = (texts.get("factories.py") ?? "").replace("vip = False", "very_important = False").replace('name = "a"', "nmae = 'a'");
    texts.set("factories.py", edited);
    await idx.updateFile("factories.py", edited);
    const r = findings.update(idx, ["factories.py"]);
    assert.equal(r.full, false, "patched in place");
    assert.deepEqual(r.files, ["factories.py", "more_factories.py", "tests/test_users.py"]);
    assert.deepEqual(sorted(findings.all()), sorted(check(await fresh(texts))));
    assert.deepEqual(
      findings.all().map((f) => `${f.kind} ${f.file}:${f.line}`).sort(),
      ["unknown-model-field factories.py:9", "unknown-model-field tests/test_users.py:5", "unknown-model-field tests/test_users.py:8"].sort(),
    );
  });
});
