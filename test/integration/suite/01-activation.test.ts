import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import { api, EXT_ID } from "./helpers";

describe("activation in a real VS Code", () => {
  it("activates on a workspace with conftest.py and exposes its test controller and commands", async () => {
    console.log(`[extension host] VS Code ${vscode.version}, node ${process.version}, pid ${process.pid}`);
    assert.ok(vscode.workspace.workspaceFolders?.length, "a fixture workspace is open");
    const a = await api();
    const ext = vscode.extensions.getExtension(EXT_ID);
    assert.equal(ext?.isActive, true);
    // Pass "vsix" must run the installed package, not the repository.
    const pass = process.env["ORM_TD_PASS"];
    console.log(`[extension host] pass ${pass ?? "?"}: extension at ${ext?.extensionPath ?? "?"}`);
    if (pass === "vsix") assert.ok(!ext?.extensionPath.startsWith(process.env["ORM_TD_REPO"] ?? "/nonexistent"), ext?.extensionPath);
    assert.equal(a.controller.id, "ormTestDoctor");
    assert.equal(a.controller.label, "ORM Test Doctor");
    const commands = await vscode.commands.getCommands(true);
    for (const c of ["ormTestDoctor.refreshTests", "ormTestDoctor.runAll", "ormTestDoctor.showOutput", "ormTestDoctor.diagnoseOutput"]) {
      assert.ok(commands.includes(c), `command ${c} is registered`);
    }
  });
});
