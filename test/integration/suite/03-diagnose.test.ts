import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import { api, folder } from "./helpers";

describe("Diagnose pytest output…", () => {
  it("reads a saved pytest log and puts each database failure on its line in the Problems panel", async () => {
    const tests = folder(await api(), "commit_factory");
    const dir = tests.folder.uri.fsPath;
    // A plain pytest run, as a CI log would hold it (no plugin involved).
    const r = spawnSync("/usr/bin/python3", ["-m", "pytest", "-rA"], { cwd: dir, encoding: "utf8" });
    const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "otd-log-")), "pytest.log");
    fs.writeFileSync(log, r.stdout);
    const failures = (await vscode.commands.executeCommand("ormTestDoctor.diagnoseOutput", vscode.Uri.file(log))) as Array<{ nodeid: string }>;
    assert.deepEqual(failures.map((f) => f.nodeid).sort(), [
      "tests/test_profile.py::test_deactivate_user",
      "tests/test_profile.py::test_rename_user",
      "tests/test_profile.py::test_users_table_starts_empty",
    ]);
    const problems = vscode.languages.getDiagnostics(vscode.Uri.file(path.join(dir, "tests", "test_profile.py")));
    const unique = problems.find((d) => d.message.includes("test_rename_user"));
    assert.ok(unique, JSON.stringify(problems.map((d) => d.message)));
    assert.match(unique.message, /UNIQUE users\(email\) = 'alice@example\.com'/);
    assert.equal(unique.range.start.line, 5); // `user = UserFactory(name="Alice Smith")`
    assert.equal(unique.code, "db-unique");
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
  });

  it("reads pytest output from the clipboard", async () => {
    const dir = folder(await api(), "session_pending_rollback").folder.uri.fsPath;
    const r = spawnSync("/usr/bin/python3", ["-m", "pytest", "-rA"], { cwd: dir, encoding: "utf8" });
    await vscode.env.clipboard.writeText(r.stdout);
    assert.equal(await vscode.env.clipboard.readText(), r.stdout, "the clipboard works in this host");
    const failures = (await vscode.commands.executeCommand("ormTestDoctor.diagnoseOutput", "clipboard")) as Array<{ nodeid: string; db?: { kind: string } }>;
    assert.equal(failures.length, 5);
    assert.ok(failures.every((f) => f.db?.kind === "pending-rollback"));
    const doc = vscode.window.activeTextEditor?.document.getText() ?? "";
    assert.match(doc, /→ 5 later failures caused by it \(PendingRollbackError\)/);
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
  });
});
