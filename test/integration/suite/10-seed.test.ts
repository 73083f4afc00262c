// A seed-like project end to end, on both Python stacks: a committing base factory, a constant in
// a unique column, a file database and a rollback-only fixture. After a run the problems sit at the
// exact cause lines; then each leak's preferred quick fix is applied as the editor applies it
// (edit, save, proving re-run) until a full run is green and no problem is left.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import type { FixProof } from "../../../src/vscode/codeActions";
import { api, at, folder, problems, runAndWait, setArgs, STACKS, until, useStack, type Problem } from "./helpers";

const FILES = ["factories.py", "conftest.py"];

describe("a seed-like project: every leak's quick fix applied and proven until the suite is green", function () {
  this.timeout(300_000);

  for (const stack of STACKS) {
    it(`${stack.name}: problems at the exact lines, then flush, in-memory database and Sequence, each applied and proven`, async () => {
      await useStack(stack);
      await setArgs([]);
      const a = await api();
      const tests = folder(a, "seed_like");
      const root = tests.folder.uri.fsPath;
      const originals = new Map(FILES.map((f) => [f, fs.readFileSync(path.join(root, f), "utf8")]));
      fs.rmSync(path.join(root, "seed.db"), { force: true });

      /** Applies the preferred quick fix of our warning of `kind` as the light bulb does. */
      async function fix(kind: string): Promise<{ title: string; proof: FixProof | undefined }> {
        const p = await until(`a ${kind} warning`, () => problems(root).find((x: Problem) => x.kind === kind && x.severity === vscode.DiagnosticSeverity.Warning));
        const uri = vscode.Uri.file(path.join(root, p.file));
        const d = vscode.languages.getDiagnostics(uri).find((x) => x.range.start.line === p.line - 1 && String((x.code as { value: string }).value) === kind);
        assert.ok(d, `${kind} at ${p.file}:${p.line}`);
        await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri)); // the provider needs the file's model
        const actions = (await vscode.commands.executeCommand<vscode.CodeAction[]>("vscode.executeCodeActionProvider", uri, d.range, vscode.CodeActionKind.QuickFix.value).then(undefined, (e: unknown) => {
          throw new Error(`code actions at ${p.file}:${p.line}: ${String(e)}`);
        })) ?? [];
        const ours = actions.filter((x) => x.command?.command === "ormTestDoctor.proveFix");
        const preferred = ours.find((x) => x.isPreferred);
        assert.ok(preferred?.edit && preferred.command, `a preferred fix for ${kind}: ${ours.map((x) => x.title).join(" | ")}`);
        assert.ok(await vscode.workspace.applyEdit(preferred.edit));
        const proof = (await vscode.commands.executeCommand(preferred.command.command, ...(preferred.command.arguments ?? [])).then(undefined, (e: unknown) => {
          throw new Error(`${preferred.title}: ${String(e)}`);
        })) as FixProof | undefined;
        return { title: preferred.title, proof };
      }

      try {
        const first = await runAndWait(a, [tests.root]);
        assert.deepEqual([...first.values()].map((f) => f.outcome).sort(), ["failed", "failed", "passed"]);
        a.findings.redraw();
        await until("the run's problems", () => (problems(root).some((p) => p.kind === "persistent-database") ? true : undefined));
        assert.deepEqual(at(problems(root)), [
          "conftest.py:10 persistent-database warning",
          "factories.py:13 factory-commits warning",
          "factories.py:17 constant-unique-value warning",
          "tests/test_users.py:16 factory-commits error",
          "tests/test_users.py:5 polluter-test warning",
          "tests/test_users.py:9 factory-commits error",
        ]);

        // 1. flush: the factory's own rows now roll back, but the file still holds the first run's row
        const flush = await fix("factory-commits");
        assert.equal(flush.title, 'Flush instead of commit: sqlalchemy_session_persistence = "flush"');
        assert.match(fs.readFileSync(path.join(root, "factories.py"), "utf8"), /abstract = True\n\s+sqlalchemy_session_persistence = "flush"/, "changed where it is declared: the base factory");
        assert.ok(flush.proof, "proven by a re-run");
        assert.ok(flush.proof.stillFailing.length > 0, flush.proof.message);
        assert.ok(flush.proof.stillFailing.every((s) => s.cause === "persistent-database at conftest.py:10"), `the file database is what is left: ${flush.proof.message}`);

        // 2. the in-memory database: the re-run goes green
        const memory = await fix("persistent-database");
        assert.match(memory.title, /in-memory/i);
        assert.match(fs.readFileSync(path.join(root, "conftest.py"), "utf8"), /create_engine\("sqlite:\/\/", poolclass=StaticPool, connect_args=\{"check_same_thread": False\}\)/);
        assert.ok(memory.proof, "proven by a re-run");
        assert.deepEqual(memory.proof.stillFailing, [], memory.proof.message);
        assert.match(memory.proof.message, /fixed (\d+) of \1 — the re-run passes/);

        // 3. the constant is still a risk read from the code (the run no longer fails on it)
        const sequence = await fix("constant-unique-value");
        assert.match(sequence.title, /factory\.Sequence/);
        assert.equal(sequence.proof, undefined, "a risk: nothing failed, nothing to re-run");
        assert.match(fs.readFileSync(path.join(root, "factories.py"), "utf8"), /email = factory\.Sequence\(lambda n: f"seed\{n or ''\}@example\.com"\)/);

        const last = await runAndWait(a, [tests.root]);
        assert.deepEqual([...last.values()].map((f) => f.outcome), ["passed", "passed", "passed"]);
        a.findings.redraw();
        await until("no problem left", () => (problems(root).length === 0 ? true : undefined), 20_000).catch(() => assert.deepEqual(at(problems(root)), []));
      } finally {
        for (const [f, text] of originals) fs.writeFileSync(path.join(root, f), text);
        fs.rmSync(path.join(root, "seed.db"), { force: true });
        // editors the fixes opened follow the files back (an error here must not hide the test's own)
        for (const doc of vscode.workspace.textDocuments.filter((d) => d.uri.scheme === "file" && d.uri.fsPath.startsWith(root + path.sep) && d.isDirty)) {
          await vscode.window.showTextDocument(doc).then(() => vscode.commands.executeCommand("workbench.action.files.revert")).then(undefined, (e: unknown) => console.log(`revert ${doc.uri.fsPath}: ${String(e)}`));
        }
        await Promise.resolve(vscode.commands.executeCommand("workbench.action.closeAllEditors")).catch(() => undefined);
        await a.explorer.idle();
      }
    });
  }
});
