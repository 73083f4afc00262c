// The "Leaks" view in the Testing sidebar: each cause of the last runs → the failing tests it
// breaks, with counts, when it was last seen, and per test how often it failed lately and the
// test it always fails after. A cause opens at its line; its inline action applies the preferred
// fix (then the usual proof by re-run). Hovering a factory or fixture line shows its leak history.
import * as path from "node:path";
import * as vscode from "vscode";
import { causeHistory, testHistory, type CauseHistory } from "../core/history";
import { fixesFor } from "../core/fixes";
import { fixContext, PROVE_COMMAND, proveArgs, workspaceEdit } from "./codeActions";
import { readConfig } from "./config";
import type { CauseDiagnostics, CauseSite, SiteSource } from "./findings";
import { unsteadyText } from "./flakiness";
import type { History } from "./history";

type Node = { kind: "cause"; site: CauseSite } | { kind: "test"; site: CauseSite; nodeid: string; role: "breaks" | "polluter" };

const when = (iso: string): string => new Date(iso).toLocaleString(undefined, { dateStyle: "short", timeStyle: "short" });

export class LeaksView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [];
  private past = new Map<string, CauseHistory>();
  // per "root|nodeid": a test under several causes, and every redraw until the next reload, ask
  // the history once (testHistory is a few queries per test)
  private unsteady = new Map<string, Promise<string>>();

  constructor(private readonly findings: CauseDiagnostics, private readonly history: History) {
    this.subscriptions.push(findings.onDidChange(() => void this.reload()));
  }

  private reloads = 0;

  private async reload(): Promise<void> {
    const mine = ++this.reloads; // reloads overlap (a burst of results): the newest one wins
    const past = new Map<string, CauseHistory>();
    const store = await this.history.open().catch(() => undefined);
    const roots = new Set(this.findings.all().map((s) => readConfig(s.tests.folder).cwd));
    for (const root of store ? roots : []) {
      for (const h of await causeHistory(store!, root).catch(() => [])) past.set(`${root}|${h.cause.kind}|${h.cause.file}|${h.cause.line}`, h);
    }
    if (mine !== this.reloads) return;
    this.past = past;
    this.unsteady = new Map();
    this.changed.fire(undefined);
  }

  private pastOf(site: CauseSite): CauseHistory | undefined {
    return this.past.get(`${readConfig(site.tests.folder).cwd}|${site.cause.kind}|${site.cause.file}|${site.cause.line}`);
  }

  getChildren(node?: Node): Node[] {
    if (!node) return this.findings.all().filter((s) => s.cause.kind !== "polluter-test").sort((a, b) => b.victims.size - a.victims.size).map((site) => ({ kind: "cause", site }));
    if (node.kind !== "cause") return [];
    return [...[...node.site.victims].sort().map((nodeid) => ({ kind: "test" as const, site: node.site, nodeid, role: "breaks" as const })), ...[...node.site.polluters].sort().map((nodeid) => ({ kind: "test" as const, site: node.site, nodeid, role: "polluter" as const }))];
  }

  async getTreeItem(node: Node): Promise<vscode.TreeItem> {
    if (node.kind === "cause") {
      const c = node.site.cause;
      const n = node.site.victims.size;
      const past = this.pastOf(node.site);
      const item = new vscode.TreeItem(`${c.kind}: ${c.symbol}`, vscode.TreeItemCollapsibleState.Expanded);
      // what a narrow sidebar still shows comes first; the rest is in the tooltip
      const breaks = `breaks ${n} test${n === 1 ? "" : "s"}`;
      const seen = past ? `seen in ${past.runs} run${past.runs === 1 ? "" : "s"}, last ${when(past.lastSeen)}` : "";
      item.description = `${breaks} · ${c.file}:${c.line}`;
      item.tooltip = new vscode.MarkdownString()
        .appendMarkdown("**")
        .appendText(`${c.kind}: ${c.symbol}`)
        .appendMarkdown("**\n\n")
        .appendText(`${c.file}:${c.line} · ${breaks} now${seen ? ` · ${seen}` : ""}`)
        .appendMarkdown("\n\n")
        .appendText(c.evidence);
      item.iconPath = new vscode.ThemeIcon("warning", new vscode.ThemeColor("list.warningForeground"));
      item.contextValue = `cause${c.kind === "persistent-database" ? ".database" : ""}${c.fixes.length ? ".fixable" : ""}`;
      item.command = { command: "vscode.open", title: "Open", arguments: [node.site.uri, { selection: new vscode.Range(c.line - 1, 0, c.line - 1, 0) }] };
      return item;
    }
    const test = node.site.tests.byNodeId.get(node.nodeid);
    const item = new vscode.TreeItem(node.nodeid.split("::").slice(1).join("::") || node.nodeid);
    item.iconPath = new vscode.ThemeIcon(node.role === "breaks" ? "testing-failed-icon" : "arrow-right");
    item.description = node.role === "breaks" ? await this.flakiness(node) : "left the row behind";
    item.tooltip = node.role === "breaks" ? node.nodeid : `${node.nodeid} wrote the row that survived`;
    if (test?.uri) item.command = { command: "vscode.open", title: "Open", arguments: [test.uri, { selection: test.range ?? new vscode.Range(0, 0, 0, 0) }] };
    return item;
  }

  private flakiness(node: Extract<Node, { kind: "test" }>): Promise<string> {
    const root = readConfig(node.site.tests.folder).cwd;
    const key = `${root}|${node.nodeid}`;
    let text = this.unsteady.get(key);
    if (!text) {
      text = (async () => {
        const store = await this.history.open().catch(() => undefined);
        const h = store ? await testHistory(store, root, node.nodeid).catch(() => undefined) : undefined;
        if (!h) this.unsteady.delete(key); // asked again on the next redraw
        return h && h.runs > 0 ? unsteadyText(h) : "";
      })();
      this.unsteady.set(key, text);
    }
    return text;
  }

  dispose(): void {
    this.changed.dispose();
    this.subscriptions.forEach((d) => d.dispose());
  }
}

/** A factory or fixture line with a cause or risk: what it is, and its leak history. */
export class LeakHover implements vscode.HoverProvider {
  constructor(private readonly sources: readonly SiteSource[], private readonly history: History) {}

  async provideHover(doc: vscode.TextDocument, pos: vscode.Position): Promise<vscode.Hover | undefined> {
    const sites = this.sources.flatMap((s) => s.sitesIn(doc.uri)).filter((s) => s.cause.line - 1 === pos.line);
    const [first] = sites;
    if (!first) return undefined;
    const store = await this.history.open().catch(() => undefined);
    const past = store ? await causeHistory(store, readConfig(first.tests.folder).cwd).catch(() => []) : [];
    const md = new vscode.MarkdownString();
    for (const site of sites) {
      const c = site.cause;
      const h = past.find((p) => p.cause.kind === c.kind && p.cause.file === c.file && p.cause.line === c.line);
      // the evidence is the problem's own text, shown just above by VS Code: history only here
      md.appendMarkdown(`**ORM Test Doctor — ${c.kind}** (${site.victims.size ? `breaks ${site.victims.size} test${site.victims.size === 1 ? "" : "s"} now` : "a risk read from the code"})\n\n`);
      if (!h) md.appendMarkdown("No leak history yet: not seen in a recorded run.\n\n");
      if (h) md.appendMarkdown(`Leak history: in ${h.runs} of the recent runs, last ${when(h.lastSeen)}; broke ${h.tests.length} test${h.tests.length === 1 ? "" : "s"} (${h.tests.slice(0, 5).map((t) => `\`${t.split("::").pop() ?? t}\``).join(", ")}${h.tests.length > 5 ? ", …" : ""}).\n\n`);
    }
    return new vscode.Hover(md);
  }
}

export function registerLeaks(context: vscode.ExtensionContext, findings: CauseDiagnostics, sources: readonly SiteSource[], history: History): LeaksView {
  const view = new LeaksView(findings, history);
  context.subscriptions.push(
    view,
    vscode.window.createTreeView("ormTestDoctor.leaks", { treeDataProvider: view, showCollapseAll: true }),
    vscode.languages.registerHoverProvider({ language: "python", scheme: "file" }, new LeakHover(sources, history)),
    vscode.commands.registerCommand("ormTestDoctor.leaks.fix", async (node?: Node) => {
      if (node?.kind !== "cause") return undefined;
      const site = node.site;
      const [fix] = await fixesFor(site.cause, fixContext(site.tests));
      if (!fix) {
        void vscode.window.showInformationMessage(`ORM Test Doctor: no automatic fix for ${site.cause.kind} at ${path.basename(site.cause.file)}:${site.cause.line}.`);
        return undefined;
      }
      if (!(await vscode.workspace.applyEdit(workspaceEdit(site.tests, [fix])))) return undefined;
      return vscode.commands.executeCommand(PROVE_COMMAND, ...proveArgs(site.tests, [site], [fix]));
    }),
  );
  return view;
}
