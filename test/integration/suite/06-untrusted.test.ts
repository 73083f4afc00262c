// Runs in its own pass: VS Code started with workspace trust on, the fixture workspace untrusted.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { api, screenshot } from "./helpers";

describe("untrusted workspace", () => {
  it("discovers and runs nothing, and the Test Explorer says why", async () => {
    assert.equal(vscode.workspace.isTrusted, false, "the workspace opened untrusted");
    const a = await api();
    await a.explorer.start();
    const roots: vscode.TestItem[] = [];
    a.controller.items.forEach((i) => roots.push(i));
    assert.ok(roots.length > 0, "one root per folder");
    for (const root of roots) {
      const error = typeof root.error === "string" ? root.error : root.error?.value;
      assert.match(error ?? "", /^Untrusted workspace: trust it to discover and run tests/);
      assert.equal(root.children.size, 0, `${root.label}: nothing discovered`);
    }
    await a.explorer.discoverAll();
    await a.explorer.run(new vscode.TestRunRequest(roots), new vscode.CancellationTokenSource().token);
    await a.explorer.runAll();
    // The "basic" folder's conftest.py writes this file whenever pytest starts there (the trusted
    // passes check that it does), so its absence shows that no pytest ran.
    const basic = vscode.workspace.workspaceFolders?.find((f) => f.name === "basic");
    assert.ok(basic, "the basic folder is in the workspace");
    const marker = path.join(basic.uri.fsPath, ".pytest-ran");
    assert.equal(fs.existsSync(marker), false, `pytest ran in an untrusted workspace: ${marker}`);
    await vscode.commands.executeCommand("workbench.view.extension.test");
    const shot = await screenshot("untrusted", { selector: ".part.sidebar", text: "Untrusted workspace" });
    assert.ok(shot.ok || !process.env["ORM_TD_SHOT_DIR"], `the Testing view says why: ${shot.error ?? ""}\n${shot.text ?? ""}`);
  });
});

