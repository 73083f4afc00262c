// Factories and test calls out of step with the models, as warnings on their lines: from the
// index alone (nothing runs), refreshed when the index changes. A test file's edit re-checks that
// file; any other edit (a model, a factory) re-checks the folder.
import * as path from "node:path";
import * as vscode from "vscode";
import { check, checkFile, type Finding } from "../core/drift";
import type { ProjectIndex } from "../core/index";
import type { Log } from "./log";
import type { ProjectIndexes } from "./projectIndexes";

const README = "https://github.com/orm-test-doctor/orm-test-doctor#factories-and-models-out-of-step";
const TEST_FILE = /(^|\/)(test_[^/]*|[^/]*_test)\.py$/;

export class DriftDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection("ormTestDoctor.drift");
  /** Per folder: file (relative) → its findings. */
  private readonly byFolder = new Map<string, Map<string, Finding[]>>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly indexes: ProjectIndexes, private readonly log: Log) {
    this.subscriptions.push(
      indexes.onDidChange(({ folder, index, files }) => this.refresh(folder, index, files)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration("ormTestDoctor.drift.enabled")) return;
        for (const f of vscode.workspace.workspaceFolders ?? []) void this.checkFolder(f);
      }),
    );
  }

  private enabled(folder: vscode.WorkspaceFolder): boolean {
    return vscode.workspace.getConfiguration("ormTestDoctor", folder.uri).get<boolean>("drift.enabled", true);
  }

  /** Checks a whole folder now (the command); resolves to its findings. */
  async checkFolder(folder: vscode.WorkspaceFolder): Promise<Finding[]> {
    const index = await this.indexes.get(folder);
    this.refresh(folder, index, undefined);
    return [...(this.byFolder.get(folder.uri.toString())?.values() ?? [])].flat();
  }

  private refresh(folder: vscode.WorkspaceFolder, index: ProjectIndex, files: readonly string[] | undefined): void {
    const key = folder.uri.toString();
    const known = this.byFolder.get(key) ?? new Map<string, Finding[]>();
    this.byFolder.set(key, known);
    const started = Date.now();
    try {
      if (!this.enabled(folder)) {
        known.clear();
      } else if (files && files.every((f) => TEST_FILE.test(f.replace(/\\/g, "/")))) {
        for (const f of files) known.set(f, checkFile(index, f));
      } else {
        known.clear();
        for (const finding of check(index)) known.set(finding.file, [...(known.get(finding.file) ?? []), finding]);
      }
    } catch (err) {
      this.log.warn(`${folder.name}: drift check failed: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    const ms = Date.now() - started;
    if (ms > 200) this.log.info(`${folder.name}: drift check took ${ms} ms`);
    this.publish(folder, known);
  }

  private publish(folder: vscode.WorkspaceFolder, known: Map<string, Finding[]>): void {
    const root = folder.uri.fsPath;
    // clear this folder's files first: a fixed finding must disappear
    this.collection.forEach((uri) => {
      if (uri.fsPath.startsWith(root + path.sep)) this.collection.delete(uri);
    });
    for (const [file, findings] of known) {
      if (!findings.length) continue;
      this.collection.set(vscode.Uri.file(path.join(root, file)), findings.map(toDiagnostic));
    }
  }

  dispose(): void {
    this.collection.dispose();
    this.subscriptions.forEach((d) => d.dispose());
  }
}

function toDiagnostic(f: Finding): vscode.Diagnostic {
  const line = Math.max(f.line - 1, 0);
  const d = new vscode.Diagnostic(new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER), f.evidence, vscode.DiagnosticSeverity.Warning);
  d.source = "ORM Test Doctor";
  d.code = { value: f.kind, target: vscode.Uri.parse(README) };
  return d;
}
