// Factories and test calls out of step with the models, as warnings on their lines: from the
// index alone (nothing runs), refreshed when the index changes: only the files an edit can
// affect while the index keeps its views (core/drift/incremental.ts), the folder otherwise.
import * as path from "node:path";
import * as vscode from "vscode";
import { DriftFindings, type Finding } from "../core/drift";
import type { ProjectIndex } from "../core/index";
import { lineRanger } from "./findings";
import type { Log } from "./log";
import type { ProjectIndexes } from "./projectIndexes";

const README = "https://github.com/orm-test-doctor/orm-test-doctor#factories-and-models-out-of-step";

export class DriftDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection("ormTestDoctor.drift");
  private readonly byFolder = new Map<string, DriftFindings>();
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

  /** The finding a drift diagnostic stands for (quick fixes read its edit). */
  findingAt(uri: vscode.Uri, d: vscode.Diagnostic): Finding | undefined {
    if (d.source !== "ORM Test Doctor" || typeof d.code !== "object") return undefined;
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    const known = folder && this.byFolder.get(folder.uri.toString());
    if (!folder || !known) return undefined;
    const file = path.relative(folder.uri.fsPath, uri.fsPath).split(path.sep).join("/");
    return (known.byFile.get(file) ?? []).find((f) => f.line - 1 === d.range.start.line && f.kind === String((d.code as { value: unknown }).value));
  }

  private enabled(folder: vscode.WorkspaceFolder): boolean {
    return vscode.workspace.getConfiguration("ormTestDoctor", folder.uri).get<boolean>("drift.enabled", true);
  }

  /** Checks a whole folder now (the command); resolves to its findings. */
  async checkFolder(folder: vscode.WorkspaceFolder): Promise<Finding[]> {
    const index = await this.indexes.get(folder);
    this.refresh(folder, index, undefined);
    return this.byFolder.get(folder.uri.toString())?.all() ?? [];
  }

  private refresh(folder: vscode.WorkspaceFolder, index: ProjectIndex, files: readonly string[] | undefined): void {
    const key = folder.uri.toString();
    const known = this.byFolder.get(key) ?? new DriftFindings();
    this.byFolder.set(key, known);
    const started = Date.now();
    let scope = "";
    try {
      if (!this.enabled(folder)) known.byFile.clear();
      else {
        const root = folder.uri.fsPath;
        const rel = (f: string): string => (path.isAbsolute(f) ? path.relative(root, f) : f).split(path.sep).join("/");
        const r = known.update(index, files?.map(rel));
        scope = r.full ? "the folder" : `${r.files.length} file(s)`;
      }
    } catch (err) {
      this.log.warn(`${folder.name}: drift check failed: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    const ms = Date.now() - started;
    if (ms > 200) this.log.info(`${folder.name}: drift check of ${scope} took ${ms} ms`);
    this.publish(folder, known.byFile);
  }

  private publish(folder: vscode.WorkspaceFolder, known: Map<string, Finding[]>): void {
    const root = folder.uri.fsPath;
    // clear this folder's files first: a fixed finding must disappear
    this.collection.forEach((uri) => {
      if (uri.fsPath.startsWith(root + path.sep)) this.collection.delete(uri);
    });
    for (const [file, findings] of known) {
      if (!findings.length) continue;
      const uri = vscode.Uri.file(path.join(root, file));
      const lineRange = lineRanger(); // the file is read once for all its findings
      this.collection.set(uri, findings.map((f) => toDiagnostic(lineRange(uri, Math.max(f.line - 1, 0)), f)));
    }
  }

  dispose(): void {
    this.collection.dispose();
    this.subscriptions.forEach((d) => d.dispose());
  }
}

function toDiagnostic(range: vscode.Range, f: Finding): vscode.Diagnostic {
  const d = new vscode.Diagnostic(range, f.evidence, vscode.DiagnosticSeverity.Warning);
  d.source = "ORM Test Doctor";
  d.code = { value: f.kind, target: vscode.Uri.parse(README) };
  return d;
}
