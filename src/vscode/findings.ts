// Causes as problems where the leak is: a warning on each cause's line (the factory, the fixture,
// the engine URL, the commit) naming the failing tests it explains, and an error on each failing
// test's line naming its cause. Kept per test: a test that passes, or fails for no known cause,
// takes its part away, and a cause no failing test needs any more is gone.
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import type { Cause, Diagnosis } from "../core/causes";
import type { ResultRow } from "../core/history";
import type { FolderTests } from "./folderTests";
import type { TestDiagnosed } from "./runHandler";

export const SOURCE = "ORM Test Doctor";
const README = "https://github.com/orm-test-doctor/orm-test-doctor";
const DRIFT_KINDS = new Set(["unknown-model-field", "missing-required-field", "unknown-enum-member", "dangling-foreign-key"]);

/** A cause on one line, with the failing tests it explains (what a quick fix re-runs). */
export interface CauseSite {
  cause: Cause;
  tests: FolderTests;
  uri: vscode.Uri;
  /** Failing tests this cause explains, and the tests that wrote what they collided with. */
  victims: Set<string>;
  polluters: Set<string>;
}

/** Where quick fixes find the cause behind a diagnostic (causes of a run, risks from the code). */
export interface SiteSource {
  siteOf(uri: vscode.Uri, d: vscode.Diagnostic): CauseSite | undefined;
  sitesIn(uri: vscode.Uri): CauseSite[];
}

interface TestState {
  tests: FolderTests;
  item: vscode.TestItem;
  diagnosis: Diagnosis;
}

export function causeLink(kind: string): vscode.Uri {
  return vscode.Uri.parse(`${README}#cause-${kind}`);
}

function siteKey(uri: vscode.Uri, line: number, kind: string): string {
  return `${uri.toString()}|${line}|${kind}`;
}

export class CauseDiagnostics implements vscode.Disposable, SiteSource {
  private readonly collection = vscode.languages.createDiagnosticCollection("ormTestDoctor.causes");
  private readonly byTest = new Map<string, TestState>();
  private sites = new Map<string, CauseSite>();
  private timer: NodeJS.Timeout | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires after the problems were redrawn. */
  readonly onDidChange = this.changed.event;

  /** Tests with a result in this window: the history never overrides them. */
  private readonly seen = new Set<string>();

  record(d: TestDiagnosed): void {
    const key = `${d.tests.folder.uri.toString()}|${d.nodeid}`;
    this.seen.add(key);
    if (d.diagnosis && d.diagnosis.causes.length > 0) this.byTest.set(key, { tests: d.tests, item: d.item, diagnosis: d.diagnosis });
    else if (!this.byTest.delete(key)) return;
    // one redraw per burst of results
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.redraw(), 50);
  }

  /** Forgets every test's causes (a window that starts again). */
  clear(): void {
    this.byTest.clear();
    this.seen.clear();
    this.redraw();
  }

  /** A folder left the workspace: its tests' causes go with it. */
  forget(folder: vscode.WorkspaceFolder): void {
    const prefix = `${folder.uri.toString()}|`;
    for (const key of [...this.byTest.keys()]) if (key.startsWith(prefix)) this.byTest.delete(key);
    for (const key of [...this.seen]) if (key.startsWith(prefix)) this.seen.delete(key);
    this.redraw();
  }

  /** After a reload: the causes the history keeps for the folder's tests (a run since wins). */
  restore(tests: FolderTests, rows: readonly ResultRow[]): number {
    let n = 0;
    for (const r of rows) {
      const key = `${tests.folder.uri.toString()}|${r.nodeid}`;
      const item = tests.byNodeId.get(r.nodeid);
      const failure = r.failures[0];
      if (this.byTest.has(key) || this.seen.has(key) || !item || !failure || !r.causes?.length || (r.outcome !== "failed" && r.outcome !== "errored")) continue;
      this.byTest.set(key, { tests, item, diagnosis: { nodeid: r.nodeid, failure, causes: r.causes, rootOf: r.rootOf ?? null } });
      n++;
    }
    if (n) this.redraw();
    return n;
  }

  /** The cause a diagnostic of ours stands for (code actions read it). */
  siteOf(uri: vscode.Uri, d: vscode.Diagnostic): CauseSite | undefined {
    if (d.source !== SOURCE || typeof d.code !== "object") return undefined;
    return this.sites.get(siteKey(uri, d.range.start.line, String(d.code.value)));
  }

  /** Every cause shown in a file. */
  sitesIn(uri: vscode.Uri): CauseSite[] {
    return [...this.sites.values()].filter((s) => s.uri.toString() === uri.toString());
  }

  all(): CauseSite[] {
    return [...this.sites.values()];
  }

  /** Redraws now (tests call this instead of waiting for the debounce). */
  redraw(): void {
    clearTimeout(this.timer);
    const sites = new Map<string, CauseSite>();
    const testProblems = new Map<string, vscode.Diagnostic[]>();
    const lineRange = lineRanger();
    for (const [, t] of this.byTest) {
      const root = t.tests.rootdir;
      const polluters = t.diagnosis.causes.filter((c) => c.kind === "polluter-test").map((c) => c.symbol);
      for (const cause of t.diagnosis.causes) {
        // a drift finding has its own warning on that line already (unless drift warnings are off)
        if (DRIFT_KINDS.has(cause.kind) && vscode.workspace.getConfiguration("ormTestDoctor", t.tests.folder.uri).get<boolean>("drift.enabled", true)) continue;
        const uri = vscode.Uri.file(path.resolve(root, cause.file));
        const key = siteKey(uri, cause.line - 1, cause.kind);
        const site = sites.get(key) ?? { cause, tests: t.tests, uri, victims: new Set<string>(), polluters: new Set<string>() };
        site.victims.add(t.diagnosis.nodeid);
        for (const p of polluters) if (p !== cause.symbol) site.polluters.add(p);
        sites.set(key, site);
      }
      const first = t.diagnosis.causes[0];
      if (first && t.item.uri && t.item.range) {
        const line = t.item.range.start.line;
        const d = new vscode.Diagnostic(lineRange(t.item.uri, line), `${t.diagnosis.nodeid.split("::").pop() ?? t.diagnosis.nodeid} fails because of ${first.kind} at ${first.file}:${first.line} (${first.symbol})`, vscode.DiagnosticSeverity.Error);
        d.source = SOURCE;
        d.code = { value: first.kind, target: causeLink(first.kind) };
        const causeUri = vscode.Uri.file(path.resolve(root, first.file));
        d.relatedInformation = [new vscode.DiagnosticRelatedInformation(new vscode.Location(causeUri, lineRange(causeUri, first.line - 1)), first.evidence)];
        const k = t.item.uri.toString();
        testProblems.set(k, [...(testProblems.get(k) ?? []), d]);
      }
    }
    const byUri = new Map<string, vscode.Diagnostic[]>(testProblems);
    for (const [, site] of sites) {
      const n = site.victims.size;
      const d = new vscode.Diagnostic(lineRange(site.uri, site.cause.line - 1), `${site.cause.evidence} (${n} failing test${n === 1 ? "" : "s"})`, vscode.DiagnosticSeverity.Warning);
      d.source = SOURCE;
      d.code = { value: site.cause.kind, target: causeLink(site.cause.kind) };
      d.relatedInformation = [
        ...[...site.victims].map((id) => related(site.tests, id, "fails because of this")),
        ...[...site.polluters].map((id) => related(site.tests, id, "wrote the row that survived")),
      ].filter((r): r is vscode.DiagnosticRelatedInformation => r !== undefined);
      const k = site.uri.toString();
      byUri.set(k, [...(byUri.get(k) ?? []), d]);
    }
    this.sites = sites;
    this.collection.clear();
    for (const [uri, ds] of byUri) this.collection.set(vscode.Uri.parse(uri), ds);
    this.changed.fire();
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.collection.dispose();
    this.changed.dispose();
  }
}

function related(tests: FolderTests, nodeid: string, what: string): vscode.DiagnosticRelatedInformation | undefined {
  const item = tests.byNodeId.get(nodeid);
  if (!item?.uri || !item.range) return undefined;
  return new vscode.DiagnosticRelatedInformation(new vscode.Location(item.uri, item.range.start), `${nodeid} ${what}`);
}

/**
 * Ranges of lines from their first non-blank character to their end (the whole line when the
 * file cannot be read). Each file is read once per ranger: make one per redraw.
 */
export function lineRanger(): (uri: vscode.Uri, line: number) => vscode.Range {
  const files = new Map<string, string[] | undefined>();
  return (uri, line) => {
    const key = uri.toString();
    if (!files.has(key)) files.set(key, readLines(uri));
    const text = files.get(key)?.[line];
    if (text === undefined) return new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER);
    return new vscode.Range(line, text.length - text.trimStart().length, line, text.length);
  };
}

function readLines(uri: vscode.Uri): string[] | undefined {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  try {
    return (open ? open.getText() : fs.readFileSync(uri.fsPath, "utf8")).split(/\r?\n/);
  } catch {
    return undefined;
  }
}
