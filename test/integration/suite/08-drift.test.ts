// "Check Factories Against Models" and the drift warnings: at the exact lines of the planted
// drift, none on a well-kept project, and gone as soon as a fix is saved (the index updates).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { applyEdit, fixEdit, type Finding } from "../../../src/core/drift";
import { api, folder } from "./helpers";

interface Expected {
  findings: { expected: Array<{ kind: string; file: string; line: number; symbol: string }> };
}

/** The drift warnings (a run's failing tests get errors naming their causes: not counted here). */
function driftDiagnostics(root: string): Array<{ file: string; line: number; kind: string }> {
  return vscode.languages
    .getDiagnostics()
    .filter(([uri]) => uri.fsPath.startsWith(root + path.sep))
    .flatMap(([uri, ds]) => ds.filter((d) => d.source === "ORM Test Doctor" && typeof d.code === "object" && d.severity === vscode.DiagnosticSeverity.Warning).map((d) => ({ file: path.relative(root, uri.fsPath).split(path.sep).join("/"), line: d.range.start.line + 1, kind: String((d.code as { value: string }).value) })));
}

async function until<T>(what: string, fn: () => T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const sorted = <T extends { file: string; line: number; kind: string }>(xs: T[]) => xs.map((x) => `${x.file}:${x.line} ${x.kind}`).sort();

describe("Check Factories Against Models", function () {
  this.timeout(120_000);

  it("warns at the planted lines, says nothing on the clean project, and forgets a finding once its fix is saved", async () => {
    const a = await api();
    const drift = folder(a, "drift_legacy").folder.uri.fsPath;
    const clean = folder(a, "clean").folder.uri.fsPath;
    const want = (JSON.parse(fs.readFileSync(path.join(drift, "expected.json"), "utf8")) as Expected).findings.expected;
    const findings = (await vscode.commands.executeCommand("ormTestDoctor.checkDrift")) as Finding[];
    assert.deepEqual(sorted(findings.filter((f) => want.some((w) => w.file === f.file && w.line === f.line))), sorted(want));
    assert.deepEqual(sorted(driftDiagnostics(drift)), sorted(want));
    assert.deepEqual(driftDiagnostics(clean), []);
    const d = vscode.languages.getDiagnostics(vscode.Uri.file(path.join(drift, "factories.py"))).find((x) => x.range.start.line + 1 === 45);
    assert.match(d?.message ?? "", /did you mean `holder_name`\?/);
    assert.equal(d?.severity, vscode.DiagnosticSeverity.Warning);
    // its quick fix is the finding's own edit (code actions need the document open)
    await vscode.workspace.openTextDocument(path.join(drift, "factories.py"));
    const actions = (await vscode.commands.executeCommand<vscode.CodeAction[]>("vscode.executeCodeActionProvider", vscode.Uri.file(path.join(drift, "factories.py")), d && new vscode.Range(d.range.start, d.range.start), vscode.CodeActionKind.QuickFix.value)) ?? [];
    assert.ok(actions.some((x) => /^Rename \w+ to holder_name$/.test(x.title) && x.isPreferred), actions.map((x) => x.title).join("\n"));

    // fix the unknown field in PolicyFactory and save: the watcher updates the index, the warning goes
    const rename = findings.find((f) => f.file === "factories.py" && f.line === 45);
    assert.ok(rename);
    const file = path.join(drift, "factories.py");
    const before = fs.readFileSync(file, "utf8");
    const edit = fixEdit(rename, before);
    assert.ok(edit, "the finding has an edit");
    try {
      fs.writeFileSync(file, applyEdit(before, edit));
      await until("the fixed line to lose its warning", () => (driftDiagnostics(drift).some((x) => x.file === "factories.py" && x.line === 45) ? undefined : true));
      assert.equal(driftDiagnostics(drift).length, want.length - 1);
    } finally {
      fs.writeFileSync(file, before);
    }
    await until("the warning to come back", () => (driftDiagnostics(drift).some((x) => x.file === "factories.py" && x.line === 45) ? true : undefined));
  });
});

describe("Find the Test That Pollutes This One", function () {
  this.timeout(120_000);

  it("bisects the tests before a victim whose state leak is outside the database, and names the polluter", async () => {
    const a = await api();
    const tests = folder(a, "global_state_polluter");
    await tests.discover();
    const victim = tests.byNodeId.get("tests/test_pricing.py::test_new_user_gets_no_credit");
    assert.ok(victim, "the victim is in the tree");
    const r = (await vscode.commands.executeCommand("ormTestDoctor.findPolluter", victim)) as { kind: string; polluter?: string; runs: number };
    assert.equal(r.kind, "found");
    assert.equal(r.polluter, "tests/test_features.py::test_bonus_campaign");
    assert.ok(r.runs <= 6, `${r.runs} runs`);
    const plainBug = tests.byNodeId.get("tests/test_pricing.py::test_add");
    const alone = (await vscode.commands.executeCommand("ormTestDoctor.findPolluter", plainBug)) as { kind: string };
    assert.equal(alone.kind, "fails-alone");
  });
});
