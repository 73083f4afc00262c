// Runs in its own pass: VS Code started with workspace trust on, the fixture workspace untrusted.
import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import { api, processesWith, screenshot } from "./helpers";

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
    await a.explorer.run(new vscode.TestRunRequest(roots), new vscode.CancellationTokenSource().token);
    assert.deepEqual(processesWith(`ORM_TEST_DOCTOR_SOCKET=`).filter((pid) => isChildOfThisHost(pid)), []);
    await vscode.commands.executeCommand("workbench.view.extension.test");
    await screenshot("untrusted");
  });
});

/** A pytest our extension host started would be its child (the run is over, so none should be). */
function isChildOfThisHost(pid: number): boolean {
  try {
    const stat = require("node:fs").readFileSync(`/proc/${pid}/stat`, "utf8") as string;
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === process.pid;
  } catch {
    return false;
  }
}
