// Before any run: warnings where the code leaks rows (core/causes/risks.ts), from the project index,
// refreshed when it changes. A risk a run has already turned into a cause of the same kind in the
// same file is not shown twice. Each kind has its own setting.
import * as path from "node:path";
import * as vscode from "vscode";
import { risksOf, type Risk, type RiskKind } from "../core/causes/risks";
import type { ProjectIndex } from "../core/index";
import { isOpenFolder } from "./config";
import { causeLink, lineRanger, SOURCE, type CauseDiagnostics, type CauseSite, type SiteSource } from "./findings";
import type { FolderTests } from "./folderTests";
import type { Log } from "./log";
import type { ProjectIndexes } from "./projectIndexes";

const SETTINGS: Record<RiskKind, string> = {
  committingFactory: "risks.committingFactory",
  constantUniqueValue: "risks.constantUniqueValue",
  fileDatabase: "risks.fileDatabase",
  classLevelSession: "risks.classLevelSession",
};

export class RiskDiagnostics implements vscode.Disposable, SiteSource {
  private readonly collection = vscode.languages.createDiagnosticCollection("ormTestDoctor.risks");
  private readonly byFolder = new Map<string, { folder: vscode.WorkspaceFolder; risks: Risk[] }>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    indexes: ProjectIndexes,
    private readonly findings: CauseDiagnostics,
    private readonly folderTests: () => readonly FolderTests[],
    private readonly log: Log,
  ) {
    this.subscriptions.push(
      indexes.onDidChange(({ folder, index }) => this.refresh(folder, index)),
      findings.onDidChange(() => this.publish()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration("ormTestDoctor.risks")) return;
        for (const f of vscode.workspace.workspaceFolders ?? []) void indexes.get(f).then((index) => this.refresh(f, index), () => undefined);
      }),
    );
  }

  /** A folder left the workspace: its risks go with it. */
  forget(folder: vscode.WorkspaceFolder): void {
    if (this.byFolder.delete(folder.uri.toString())) this.publish();
  }

  private refresh(folder: vscode.WorkspaceFolder, index: ProjectIndex): void {
    if (!isOpenFolder(folder)) return; // an index finished after its folder left
    const config = vscode.workspace.getConfiguration("ormTestDoctor", folder.uri);
    const started = Date.now();
    try {
      const risks = risksOf(index, (kind) => config.get<boolean>(SETTINGS[kind], true));
      this.byFolder.set(folder.uri.toString(), { folder, risks });
    } catch (err) {
      this.log.warn(`${folder.name}: risk check failed: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    const ms = Date.now() - started;
    if (ms > 200) this.log.info(`${folder.name}: risk check took ${ms} ms`);
    this.publish();
  }

  /** The risk a diagnostic of ours stands for, as a cause site without failing tests (for quick fixes). */
  siteOf(uri: vscode.Uri, d: vscode.Diagnostic): CauseSite | undefined {
    if (d.source !== SOURCE || typeof d.code !== "object") return undefined;
    const kind = String(d.code.value);
    return this.sitesIn(uri).find((s) => s.cause.line - 1 === d.range.start.line && s.cause.kind === kind);
  }

  /** The risks shown in a file: none a run's cause of the same kind stands in for (quick fixes, hovers). */
  sitesIn(uri: vscode.Uri): CauseSite[] {
    const out: CauseSite[] = [];
    const hidden = this.hiddenKinds();
    for (const { folder, risks } of this.byFolder.values()) {
      const tests = this.folderTests().find((t) => t.folder.uri.toString() === folder.uri.toString());
      if (!tests) continue;
      for (const risk of risks) {
        const abs = path.join(folder.uri.fsPath, risk.file);
        const at = vscode.Uri.file(abs);
        // index paths are folder-relative; fixes read files relative to pytest's rootdir
        const file = path.relative(tests.rootdir, abs).split(path.sep).join("/");
        if (at.toString() === uri.toString() && !hidden.has(`${at.toString()}|${risk.kind}`)) out.push({ cause: { ...risk, file }, tests, uri: at, victims: new Set(), polluters: new Set() });
      }
    }
    return out;
  }

  all(): Risk[] {
    return [...this.byFolder.values()].flatMap((f) => f.risks);
  }

  /** uri|kind of every run's cause: a risk of that kind in that file is not shown beside it. */
  private hiddenKinds(): Set<string> {
    return new Set(this.findings.all().map((s) => `${s.uri.toString()}|${s.cause.kind}`));
  }

  private publish(): void {
    const shown = this.hiddenKinds();
    this.collection.clear();
    const byUri = new Map<string, vscode.Diagnostic[]>();
    const lineRange = lineRanger();
    for (const { folder, risks } of this.byFolder.values()) {
      for (const r of risks) {
        const uri = vscode.Uri.file(path.join(folder.uri.fsPath, r.file));
        if (shown.has(`${uri.toString()}|${r.kind}`)) continue;
        const d = new vscode.Diagnostic(lineRange(uri, Math.max(r.line - 1, 0)), r.evidence, vscode.DiagnosticSeverity.Warning);
        d.source = SOURCE;
        d.code = { value: r.kind, target: causeLink(r.kind) };
        byUri.set(uri.toString(), [...(byUri.get(uri.toString()) ?? []), d]);
      }
    }
    for (const [uri, ds] of byUri) this.collection.set(vscode.Uri.parse(uri), ds);
  }

  dispose(): void {
    this.collection.dispose();
    this.subscriptions.forEach((d) => d.dispose());
  }
}
