// Causes in the editor, on both Python stacks: after a run of commit_factory (a committing factory
// with a constant unique email, a rollback-only fixture), problems sit at the exact cause lines and
// on the failing tests; the clean project has none; the preferred quick fix (persistence "flush")
// is offered, applied, saved and proven by the automatic re-run; then the run's problems are gone
// and the risk the code still has (the constant email) shows as a warning of its own.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import type { FixProof } from "../../../src/vscode/codeActions";

const repo = process.env["ORM_TD_REPO"] ?? path.resolve(__dirname, "..", "..", "..", "..");
import { api, at, configure, folder, problems, runAndWait, screenshot, setArgs, STACKS, until, useStack } from "./helpers";

describe("causes in the editor: problems, quick fixes, proof by re-run", function () {
  this.timeout(240_000);

  for (const stack of STACKS) {
    it(`${stack.name}: problems at the cause lines, none on the clean project, the flush fix proven by the re-run`, async () => {
      await useStack(stack);
      await setArgs([]);
      const a = await api();
      const tests = folder(a, "commit_factory");
      const clean = folder(a, "clean");
      const root = tests.folder.uri.fsPath;
      const factories = path.join(root, "factories.py");
      const original = fs.readFileSync(factories, "utf8");
      assert.deepEqual(problems(clean.folder.uri.fsPath), [], "nothing on the clean project before a run");
      try {
        await runAndWait(a, [tests.root, clean.root]);
        a.findings.redraw();
        assert.deepEqual(at(problems(root)), [
          "factories.py:12 factory-commits warning",
          "factories.py:22 constant-unique-value warning",
          "tests/test_accounts.py:11 polluter-test warning",
          "tests/test_accounts.py:5 polluter-test warning",
          "tests/test_profile.py:12 factory-commits error",
          "tests/test_profile.py:17 factory-commits error",
          "tests/test_profile.py:5 factory-commits error",
        ]);
        assert.deepEqual(problems(clean.folder.uri.fsPath), [], "nothing on the clean project after its run");
        // a window reload: the problems come back from the history store, at the same lines
        const shown = at(problems(root));
        a.findings.clear();
        assert.ok(!problems(root).some((p) => p.kind === "polluter-test"), "cleared");
        assert.equal(await a.restoreCauses(tests), 3);
        await until("the restored problems", () => (JSON.stringify(at(problems(root))) === JSON.stringify(shown) ? true : undefined));
        const commits = problems(root).find((p) => p.kind === "factory-commits" && p.file === "factories.py");
        assert.deepEqual(commits?.related.filter((r) => r.endsWith("fails because of this")).sort(), [
          "tests/test_profile.py::test_deactivate_user fails because of this",
          "tests/test_profile.py::test_rename_user fails because of this",
          "tests/test_profile.py::test_users_table_starts_empty fails because of this",
        ]);
        assert.ok(commits?.related.includes("tests/test_accounts.py::test_create_alice wrote the row that survived"), commits?.related.join("\n"));
        const d = vscode.languages.getDiagnostics(vscode.Uri.file(factories)).find((x) => x.range.start.line === 11);
        assert.match(String((d?.code as { target?: vscode.Uri } | undefined)?.target), /#cause-factory-commits$/);

        // the Leaks view: the cause → the tests it breaks, with counts and history; the hover on the factory
        const causesShown = a.leaks.getChildren();
        const commitNode = causesShown.find((n) => n.kind === "cause" && n.site.cause.kind === "factory-commits");
        assert.ok(commitNode, "factory-commits in the Leaks view");
        const commitItem = await a.leaks.getTreeItem(commitNode);
        assert.equal(commitItem.label, "factory-commits: UserFactory");
        assert.equal(commitItem.description, "breaks 3 tests · factories.py:12");
        // appendText writes spaces as &nbsp;
        assert.match((commitItem.tooltip as vscode.MarkdownString).value.replace(/&nbsp;/g, " "), /^\*\*factory-commits: UserFactory\*\*\n\nfactories\.py:12 · breaks 3 tests now/);
        const victims = await Promise.all(a.leaks.getChildren(commitNode).map((n) => a.leaks.getTreeItem(n)));
        assert.deepEqual(victims.map((v) => v.label), ["test_deactivate_user", "test_rename_user", "test_users_table_starts_empty", "test_bob_with_explicit_email", "test_create_alice"]);
        assert.deepEqual(victims.slice(3).map((v) => v.description), ["left the row behind", "left the row behind"]);
        assert.match(String(victims[0]?.description), /^\d+\/\d+ runs? failed/);
        const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>("vscode.executeHoverProvider", vscode.Uri.file(factories), new vscode.Position(11, 8))) ?? [];
        const hoverText = hovers.flatMap((h) => h.contents.map((c) => (typeof c === "string" ? c : c.value))).join("\n");
        assert.match(hoverText, /ORM Test Doctor — factory-commits\*\* \(breaks 3 tests now\)/);
        assert.match(hoverText, /Leak history: in \d+ of the recent runs/);

        // the quick fixes on the factory's line: flush first (preferred), computed from the file as it is
        const doc = await vscode.workspace.openTextDocument(factories);
        const editor = await vscode.window.showTextDocument(doc);
        const actions = (await vscode.commands.executeCommand<vscode.CodeAction[]>("vscode.executeCodeActionProvider", doc.uri, d?.range, vscode.CodeActionKind.QuickFix.value)) ?? [];
        const ours = actions.filter((x) => x.command?.command === "ormTestDoctor.proveFix");
        assert.equal(ours[0]?.title, 'Flush instead of commit: sqlalchemy_session_persistence = "flush"');
        assert.equal(ours[0]?.isPreferred, true);
        if (process.env["ORM_TD_SHOT_DIR"] && stack.name === "legacy") {
          editor.selection = new vscode.Selection(11, 6, 11, 6);
          await vscode.commands.executeCommand("editor.action.quickFix");
          const shot = await screenshot("quick-fix-menu", { selector: ".action-widget", text: "Flush instead of commit" });
          assert.ok(shot.ok, `${shot.error ?? ""}\n${shot.text ?? ""}`);
          await Promise.resolve(vscode.commands.executeCommand("hideCodeActionWidget")).catch(() => undefined);
          await vscode.commands.executeCommand("workbench.actions.view.problems");
          const problemsShot = await screenshot("problems-panel", { selector: ".markers-panel", text: "factory-commits" });
          assert.ok(problemsShot.ok, `${problemsShot.error ?? ""}\n${problemsShot.text ?? ""}`);
          await vscode.commands.executeCommand("workbench.action.closePanel");
          await vscode.commands.executeCommand("ormTestDoctor.leaks.focus");
          const leaksShot = await screenshot("leaks-view", { selector: ".part.sidebar", text: "breaks 3 tests" });
          assert.ok(leaksShot.ok, `${leaksShot.error ?? ""}\n${leaksShot.text ?? ""}`);
          await vscode.window.showTextDocument(doc);
          editor.selection = new vscode.Selection(11, 8, 11, 8);
          await vscode.commands.executeCommand("editor.action.showHover");
          // VS Code puts the problem's own text first: scroll the hover to our part, as a reader would
          await vscode.commands.executeCommand("editor.action.showHover", { focus: true });
          await Promise.resolve(vscode.commands.executeCommand("editor.action.goToBottomHover")).catch(() => undefined);
          const hoverShot = await screenshot("leak-hover", { selector: ".monaco-hover", text: "Leak history" });
          assert.ok(hoverShot.ok, `${hoverShot.error ?? ""}\n${hoverShot.text ?? ""}`);
          await Promise.resolve(vscode.commands.executeCommand("editor.action.hideHover")).catch(() => undefined);
        }

        // apply it as the editor does: the edit, then its command (save + re-run)
        const fix = ours[0];
        assert.ok(fix?.edit && fix.command);
        assert.ok(await vscode.workspace.applyEdit(fix.edit));
        const proof = (await vscode.commands.executeCommand(fix.command.command, ...(fix.command.arguments ?? []))) as FixProof | undefined;
        assert.ok(proof, "the re-run ran");
        assert.deepEqual(proof.stillFailing, []);
        assert.equal(proof.fixed.length, 3);
        assert.match(proof.message, /fixed 3 of 3/);
        if (process.env["ORM_TD_SHOT_DIR"] && stack.name === "legacy") {
          // the verdict is in the Testing view too: the end of the proving run's output
          await vscode.commands.executeCommand("testing.showMostRecentOutput");
          const outShot = await screenshot("proof-output", { selector: ".part.panel", text: "fixed 3 of 3" });
          assert.ok(outShot.ok, `${outShot.error ?? ""}\n${outShot.text ?? ""}`);
          await vscode.commands.executeCommand("workbench.action.closePanel");
        }
        assert.match(fs.readFileSync(factories, "utf8"), /sqlalchemy_session_persistence = "flush"/, "saved before the re-run");
        a.findings.redraw();
        await until("the fixed cause to go", () => !problems(root).some((p) => p.kind === "factory-commits"));
        // the run's cause is gone: the risk read from the code shows again (the flush ended the other)
        await until("the constant's risk to show again", () => at(problems(root)).includes("factories.py:22 constant-unique-value warning") || undefined);
        assert.ok(!problems(root).some((p) => p.kind === "factory-commits"), at(problems(root)).join("\n"));
        await configure("risks.constantUniqueValue", false);
        await until("its setting to hide it", () => !problems(root).some((p) => p.kind === "constant-unique-value") || undefined);
        await configure("risks.constantUniqueValue", undefined);
        await until("it to come back", () => problems(root).some((p) => p.kind === "constant-unique-value") || undefined);
        // twice changes nothing: the fix is no longer offered
        const again = (await vscode.commands.executeCommand<vscode.CodeAction[]>("vscode.executeCodeActionProvider", doc.uri, new vscode.Range(15, 0, 15, 50), vscode.CodeActionKind.QuickFix.value)) ?? [];
        assert.ok(!again.some((x) => x.title.startsWith("Flush instead of commit")));
      } finally {
        const open = vscode.workspace.textDocuments.find((x) => x.uri.fsPath === factories);
        fs.writeFileSync(factories, original);
        if (open) {
          await vscode.window.showTextDocument(open);
          await vscode.commands.executeCommand("workbench.action.files.revert");
          await vscode.commands.executeCommand("workbench.action.closeAllEditors");
        }
      }
    });
  }
});

describe("leaked rows of a SQLite test database on disk", function () {
  this.timeout(120_000);

  it("shows them read-only, and purges them only when the user agrees, after a backup", async () => {
    await api();
    // rollback_file_db's own run leaves its rows in test.db (the leak it demonstrates)
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "otd-rows-")), "rollback_file_db");
    fs.cpSync(path.join(repo, "test", "fixtures", "projects", "rollback_file_db"), dir, { recursive: true, filter: (src) => !src.endsWith(".db") && !src.includes("__pycache__") });
    spawnSync("/usr/bin/python3", ["-m", "pytest", "-q", "-p", "no:cacheprovider"], { cwd: dir, encoding: "utf8" });
    const file = path.join(dir, "test.db");
    const before = fs.readFileSync(file);
    const tables = (await vscode.commands.executeCommand("ormTestDoctor.showLeakedRows", file)) as Array<{ table: string; count: number }>;
    assert.ok(tables.some((t) => t.table === "users" && t.count > 0), JSON.stringify(tables));
    assert.ok(vscode.workspace.textDocuments.some((d) => d.languageId === "markdown" && d.getText().startsWith("# Leaked rows in test.db")));
    assert.deepEqual(fs.readFileSync(file), before, "showing changes nothing");

    const asked: string[] = [];
    const real = vscode.window.showWarningMessage;
    const answer = (a: string | undefined) => ((message: string) => {
      asked.push(message);
      return Promise.resolve(a);
    }) as unknown as typeof vscode.window.showWarningMessage;
    try {
      (vscode.window as { showWarningMessage: unknown }).showWarningMessage = answer(undefined); // the user cancels
      assert.equal(await vscode.commands.executeCommand("ormTestDoctor.purgeLeakedRows", file), undefined);
      assert.deepEqual(fs.readFileSync(file), before, "cancelled: nothing changed");
      // an installed VSIX has its own API object: the stand-in answer cannot reach it (the
      // question went unanswered above, which changed nothing); the dev pass goes on
      if (asked.length === 0) return;
      (vscode.window as { showWarningMessage: unknown }).showWarningMessage = answer("Back Up and Delete Rows");
      const done = (await vscode.commands.executeCommand("ormTestDoctor.purgeLeakedRows", file)) as { backup: string; deleted: Record<string, number> };
      assert.match(asked[0] ?? "", /^Delete \d+ rows? from users \(\d+\) in test\.db\?$/);
      assert.ok((done.deleted["users"] ?? 0) > 0);
      assert.deepEqual(fs.readFileSync(done.backup), before, "the backup is the file as it was");
      const after = (await vscode.commands.executeCommand("ormTestDoctor.showLeakedRows", file)) as unknown[];
      assert.deepEqual(after, []);
    } finally {
      (vscode.window as { showWarningMessage: unknown }).showWarningMessage = real;
      await vscode.commands.executeCommand("workbench.action.closeAllEditors");
    }
  });
});
