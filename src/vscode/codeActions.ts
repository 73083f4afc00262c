// Quick fixes on the causes' problems, from the edits core/fixes computes on the files' current
// text (the first is the preferred one), a "fix all" for the file, and the proof: once a fix is
// applied, its files are saved and the tests it should repair re-run with the tests that polluted
// them; the notification says how many now pass and which still fail, and why.
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { fixEdit } from "../core/drift";
import { fixesFor, type Fix, type FixContext } from "../core/fixes";
import type { DriftDiagnostics } from "./driftDiagnostics";
import type { CauseSite, SiteSource } from "./findings";
import type { FolderTests } from "./folderTests";
import type { Log } from "./log";
import type { TestDiagnosed, TestFinished } from "./runHandler";
import type { TestExplorer } from "./testController";

export const PROVE_COMMAND = "ormTestDoctor.proveFix";
const FIX_ALL = vscode.CodeActionKind.SourceFixAll.append("ormTestDoctor");

/** What a proving re-run found. */
export interface FixProof {
  fixed: string[];
  stillFailing: Array<{ nodeid: string; outcome: string; cause?: string }>;
  message: string;
}

export function fixContext(tests: FolderTests): FixContext {
  const root = tests.rootdir;
  return {
    read: (file) => {
      const abs = path.resolve(root, file);
      const key = vscode.Uri.file(abs).toString();
      const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
      if (open) return open.getText();
      try {
        return fs.readFileSync(abs, "utf8");
      } catch {
        return undefined;
      }
    },
    sqlalchemy: tests.sqlalchemyVersion,
    testModules: () => [...new Set([...tests.byNodeId.keys()].map((id) => id.split("::")[0] ?? id))],
  };
}

export function workspaceEdit(tests: FolderTests, fixes: readonly Fix[]): vscode.WorkspaceEdit {
  const edit = new vscode.WorkspaceEdit();
  for (const fix of fixes) {
    for (const e of fix.edits) {
      const range = new vscode.Range(e.range.start.line, e.range.start.character, e.range.end.line, e.range.end.character);
      edit.replace(vscode.Uri.file(path.resolve(tests.rootdir, e.file)), range, e.newText);
    }
  }
  return edit;
}

export function proveArgs(tests: FolderTests, sites: readonly CauseSite[], fixes: readonly Fix[]): unknown[] {
  const victims = [...new Set(sites.flatMap((s) => [...s.victims]))];
  const polluters = [...new Set(sites.flatMap((s) => [...s.polluters]))];
  const files = [...new Set(fixes.flatMap((f) => f.edits.map((e) => path.resolve(tests.rootdir, e.file))))];
  return [{ folder: tests.folder.uri.toString(), victims, polluters, files, title: fixes.map((f) => f.title).join("; ") }];
}

export class CauseFixProvider implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix, FIX_ALL];

  constructor(private readonly sources: readonly SiteSource[]) {}

  async provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, ctx: vscode.CodeActionContext): Promise<vscode.CodeAction[]> {
    const actions: vscode.CodeAction[] = [];
    if (!ctx.only || ctx.only.contains(vscode.CodeActionKind.QuickFix)) {
      for (const d of ctx.diagnostics) {
        const site = this.sources.map((src) => src.siteOf(doc.uri, d)).find((x) => x !== undefined);
        if (!site) continue;
        const fixes = await fixesFor(site.cause, fixContext(site.tests));
        fixes.forEach((fix, i) => {
          const a = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
          a.diagnostics = [d];
          a.isPreferred = i === 0;
          a.edit = workspaceEdit(site.tests, [fix]);
          a.command = { command: PROVE_COMMAND, title: "Re-run the tests this fix should repair", arguments: proveArgs(site.tests, [site], [fix]) };
          actions.push(a);
        });
      }
    }
    // never on save (codeActionsOnSave asks automatically): rewriting a fixture needs a user's click
    if (ctx.triggerKind === vscode.CodeActionTriggerKind.Invoke && (ctx.only?.contains(FIX_ALL) || ctx.only?.intersects(FIX_ALL))) {
      const all = await this.fixAll(doc.uri);
      if (all) actions.push(all);
    }
    return actions;
  }

  /** The preferred fix of every cause in the file, as one edit (fixes that would overlap wait for the next time). */
  private async fixAll(uri: vscode.Uri): Promise<vscode.CodeAction | undefined> {
    // causes of a run only: what a re-run can prove
    const sites = this.sources.flatMap((src) => src.sitesIn(uri)).filter((s) => s.victims.size > 0);
    const tests = sites[0]?.tests;
    if (!tests) return undefined;
    const chosen: Fix[] = [];
    const taken: Array<{ file: string; start: number; end: number }> = [];
    const seen = new Set<string>();
    for (const site of sites) {
      const fix = (await fixesFor(site.cause, fixContext(site.tests)))[0];
      if (!fix) continue;
      const spans = fix.edits.map((e) => ({ file: e.file, start: e.range.start.line * 1e6 + e.range.start.character, end: e.range.end.line * 1e6 + e.range.end.character, key: JSON.stringify(e) }));
      if (spans.some((s) => !seen.has(s.key) && taken.some((t) => t.file === s.file && s.start <= t.end && t.start <= s.end))) continue;
      const fresh = { ...fix, edits: fix.edits.filter((e) => !seen.has(JSON.stringify(e))) };
      for (const s of spans) {
        seen.add(s.key);
        taken.push(s);
      }
      chosen.push(fresh);
    }
    if (!chosen.length) return undefined;
    const a = new vscode.CodeAction(`Fix all database leaks in this file (${chosen.length})`, FIX_ALL);
    a.edit = workspaceEdit(tests, chosen);
    a.command = { command: PROVE_COMMAND, title: "Re-run the tests these fixes should repair", arguments: proveArgs(tests, sites, chosen) };
    return a;
  }
}

/** Drift findings' own edits (rename a field, declare a required column, the closest enum member). */
export class DriftFixProvider implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly drift: DriftDiagnostics) {}

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, ctx: vscode.CodeActionContext): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    for (const d of ctx.diagnostics) {
      const finding = this.drift.findingAt(doc.uri, d);
      const e = finding && fixEdit(finding, doc.getText());
      if (!e) continue;
      const a = new vscode.CodeAction(e.title.replace(/`/g, ""), vscode.CodeActionKind.QuickFix);
      a.diagnostics = [d];
      a.isPreferred = true;
      a.edit = new vscode.WorkspaceEdit();
      a.edit.replace(doc.uri, new vscode.Range(e.range.start.line, e.range.start.character, e.range.end.line, e.range.end.character), e.newText);
      actions.push(a);
    }
    return actions;
  }
}

export function registerCodeActions(context: vscode.ExtensionContext, explorer: TestExplorer, sources: readonly SiteSource[], log: Log): void {
  context.subscriptions.push(
    vscode.languages.registerCodeActionsProvider({ language: "python", scheme: "file" }, new DriftFixProvider(explorer.drift), { providedCodeActionKinds: DriftFixProvider.kinds }),
    vscode.languages.registerCodeActionsProvider({ language: "python", scheme: "file" }, new CauseFixProvider(sources), { providedCodeActionKinds: CauseFixProvider.kinds }),
    vscode.commands.registerCommand(PROVE_COMMAND, async (arg: { folder: string; victims: string[]; polluters: string[]; files: string[]; title?: string }) => {
      for (const file of arg.files) {
        const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === vscode.Uri.file(file).toString());
        if (doc?.isDirty) await doc.save();
      }
      const tests = explorer.folderTests.find((t) => t.folder.uri.toString() === arg.folder);
      const rerun = vscode.workspace.getConfiguration("ormTestDoctor", tests?.folder.uri).get<boolean>("fixes.rerun", true);
      if (!tests || !rerun || !vscode.workspace.isTrusted || arg.victims.length === 0) return undefined; // a risk: nothing failed yet
      return prove(explorer, tests, arg.victims, arg.polluters, log, arg.title);
    }),
  );
}

/** Runs the victims (and their polluters, which run first in pytest's order) and reports. */
export async function prove(explorer: TestExplorer, tests: FolderTests, victims: readonly string[], polluters: readonly string[], log: Log, title = "a quick fix"): Promise<FixProof | undefined> {
  const ids = [...new Set([...polluters, ...victims])];
  const items = ids.map((id) => tests.byNodeId.get(id)).filter((i): i is vscode.TestItem => i !== undefined);
  if (!items.length) return undefined;
  const results = new Map<string, TestFinished>();
  const causes = new Map<string, TestDiagnosed>();
  const subs = [explorer.onDidFinishTest((f) => results.set(f.nodeid, f)), explorer.onDidDiagnose((d) => causes.set(d.nodeid, d))];
  // the verdict is also written at the end of the run's output in Test Results, under the fix's name
  const verdict = () => proofOf(victims, results, causes);
  try {
    await explorer.run(new vscode.TestRunRequest(items), new vscode.CancellationTokenSource().token, "run", false, { name: `Proof: ${title}`, summary: () => verdict().message.replace(/^ORM Test Doctor: /, "") });
  } finally {
    subs.forEach((s) => s.dispose());
  }
  const proof = verdict();
  log.info(proof.message);
  void (proof.stillFailing.length ? vscode.window.showWarningMessage(proof.message) : vscode.window.showInformationMessage(proof.message));
  return proof;
}

function proofOf(victims: readonly string[], results: ReadonlyMap<string, TestFinished>, causes: ReadonlyMap<string, TestDiagnosed>): FixProof {
  const fixed = victims.filter((id) => results.get(id)?.outcome === "passed");
  const stillFailing = victims
    .filter((id) => results.get(id)?.outcome !== "passed")
    .map((id) => {
      const c = causes.get(id)?.diagnosis?.causes[0];
      return { nodeid: id, outcome: results.get(id)?.outcome ?? "did not run", ...(c ? { cause: `${c.kind} at ${c.file}:${c.line}` } : {}) };
    });
  const message = stillFailing.length
    ? `ORM Test Doctor: fixed ${fixed.length} of ${victims.length}; still failing: ${stillFailing.map((s) => `${s.nodeid.split("::").pop() ?? s.nodeid} (${s.cause ?? s.outcome})`).join(", ")}`
    : `ORM Test Doctor: fixed ${fixed.length} of ${victims.length} — the re-run passes.`;
  return { fixed, stillFailing, message };
}
