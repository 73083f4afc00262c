// Last: pictures of what a user sees, taken by the server host while the suite runs
// (test-results/<pass>-failure-peek.png, <pass>-test-explorer.png). Each picture waits for the text
// it is meant to show, and the test checks that text on screen.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as vscode from "vscode";
import { api, folder, runAndWait, screenshot, setArgs, STACKS, useStack } from "./helpers";

const HEADLINE = "Database: UNIQUE users(email) = 'alice@example.com' (sqlite/pysqlite)";

describe("what a user sees", () => {
  it("shows a failure peek on the failing line, opening with the cause, its evidence and the database headline", async function () {
    if (!process.env["ORM_TD_SHOT_DIR"]) this.skip(); // the desktop host takes no pictures
    await useStack(STACKS[0]);
    await setArgs([]);
    const a = await api();
    await a.explorer.discoverAll();
    const tests = folder(a, "commit_factory");
    await vscode.window.showTextDocument(vscode.Uri.file(path.join(tests.folder.uri.fsPath, "tests", "test_profile.py")));
    await vscode.commands.executeCommand("workbench.view.extension.test");
    const results = await runAndWait(a, [tests.root]);
    const failed = results.get("tests/test_profile.py::test_rename_user");
    assert.equal(failed?.outcome, "failed");
    const first = failed.messages[0];
    assert.ok(first?.location, "the failure has a location");
    const text = typeof first.message === "string" ? first.message : first.message.value;
    assert.match(text, /^\*\*Cause: factory-commits\*\* at \[factories\.py:12\]\(file:\/\/\/.*\/factories\.py#L12\)/, `the message opens with the cause: ${text.slice(0, 300)}`);
    assert.ok(text.includes(HEADLINE), "then the database error");
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor, "the test file is open");
    editor.selection = new vscode.Selection(first.location.range.start, first.location.range.start);
    await vscode.commands.executeCommand("testing.openOutputPeek");
    const shot = await screenshot("failure-peek", { selector: ".peekview-widget", text: "Cause: factory-commits" });
    assert.ok(shot.ok, `the peek opens with the cause: ${shot.error ?? ""}\n--- on screen:\n${shot.text ?? ""}`);
    assert.ok(shot.text?.includes('UserFactory has sqlalchemy_session_persistence = "commit"'), "with its evidence");
    assert.ok(shot.text?.includes(HEADLINE), "and the database error");
    assert.match(shot.text ?? "", /test_rename_user|test_profile\.py/, "the peek names the failing test");
  });

  it("shows the Test Explorer with the project's results", async function () {
    if (!process.env["ORM_TD_SHOT_DIR"]) this.skip();
    const a = await api();
    const tests = folder(a, "commit_factory");
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
    const item = tests.byNodeId.get("tests/test_profile.py::test_rename_user");
    assert.ok(item);
    await vscode.commands.executeCommand("vscode.revealTestInExplorer", item);
    const shot = await screenshot("test-explorer", { selector: ".part.sidebar", text: "test_rename_user" });
    assert.ok(shot.ok, `${shot.error ?? ""}\n${shot.text ?? ""}`);
    assert.match(shot.text ?? "", /commit_factory/);
  });
});
