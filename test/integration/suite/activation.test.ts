import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import type { OrmTestDoctorApi } from "../../../src/vscode/extension";

const EXT_ID = "orm-test-doctor.orm-test-doctor";

describe("activation in a real VS Code", () => {
  it("activates on a workspace with conftest.py and exposes its test controller and commands", async () => {
    console.log(`[extension host] VS Code ${vscode.version}, node ${process.version}, pid ${process.pid}`);
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, "a fixture workspace is open");
    const ext = vscode.extensions.getExtension<OrmTestDoctorApi>(EXT_ID);
    assert.ok(ext, `extension ${EXT_ID} is installed`);
    const api = await ext.activate();
    assert.equal(ext.isActive, true);
    assert.equal(api.controller.id, "ormTestDoctor");
    assert.equal(api.controller.label, "ORM Test Doctor");
    const commands = await vscode.commands.getCommands(true);
    for (const c of ["ormTestDoctor.refreshTests", "ormTestDoctor.runAll", "ormTestDoctor.showOutput", "ormTestDoctor.diagnoseOutput"]) {
      assert.ok(commands.includes(c), `command ${c} is registered`);
    }
  });
});
