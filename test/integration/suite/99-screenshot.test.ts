// Last: pictures of what a user sees, taken by the server host while the suite runs
// (test-results/test-explorer.png, failure-peek.png), for a person to look at.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as vscode from "vscode";
import { api, folder, runAndWait, screenshot, setArgs, STACKS, useStack } from "./helpers";

describe("what a user sees", () => {
  it("shows the Test Explorer, and a failure peek on the failing line", async () => {
    await useStack(STACKS[0]);
    await setArgs([]);
    const a = await api();
    await a.explorer.discoverAll();
    const tests = folder(a, "commit_factory");
    // The peek opens by itself for a failure in a visible document (testing.automaticallyOpenPeekView).
    await vscode.window.showTextDocument(vscode.Uri.file(path.join(tests.folder.uri.fsPath, "tests", "test_profile.py")));
    await vscode.commands.executeCommand("workbench.view.extension.test");
    const results = await runAndWait(a, [tests.root]);
    const failed = results.get("tests/test_profile.py::test_rename_user");
    assert.equal(failed?.outcome, "failed");
    const loc = failed.messages[0]?.location;
    assert.ok(loc, "the failure has a location");
    const editor = vscode.window.activeTextEditor;
    if (editor) editor.selection = new vscode.Selection(loc.range.start, loc.range.start);
    await vscode.commands.executeCommand("testing.openOutputPeek");
    await screenshot("failure-peek");
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
    const fileItem = tests.byNodeId.get("tests/test_profile.py");
    if (fileItem) await vscode.commands.executeCommand("vscode.revealTestInExplorer", fileItem.children.get(fileItem.children.size ? [...iter(fileItem)][0]?.id ?? "" : "") ?? fileItem);
    await screenshot("test-explorer");
  });
});

function* iter(item: vscode.TestItem): Generator<vscode.TestItem> {
  for (const [, child] of item.children) yield child;
}
