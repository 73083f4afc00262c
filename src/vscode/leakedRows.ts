// "Show Leaked Rows" (a read-only preview of what a SQLite test database kept) and "Purge Leaked
// Rows" (asks first; the file is copied to a timestamped backup before any row goes).
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { isTestSetup } from "../core/index/fixtures";
import { leakedRows, purgeLeakedRows, sqliteFileOf, type TableRows } from "../core/leakedRows";
import { readConfig } from "./config";
import type { CauseDiagnostics } from "./findings";
import type { Log } from "./log";
import type { TestExplorer } from "./testController";

/** SQLite files the tests use: from the causes and risks shown, and the folders' indexes. */
async function knownFiles(explorer: TestExplorer, findings: CauseDiagnostics): Promise<string[]> {
  const out = new Set<string>();
  for (const s of findings.all()) {
    if (s.cause.kind !== "persistent-database") continue;
    const f = sqliteFileOf(s.cause.symbol, readConfig(s.tests.folder).cwd);
    if (f) out.add(f);
  }
  for (const t of explorer.folderTests) {
    const index = await explorer.indexes.get(t.folder).catch(() => undefined);
    // engines of the test set-up only: an application's own database is not ours to empty
    for (const e of (index?.engines() ?? []).filter((x) => isTestSetup(x.file))) {
      const f = e.url.url ? sqliteFileOf(e.url.url, readConfig(t.folder).cwd) : undefined;
      if (f) out.add(f);
    }
  }
  return [...out].filter((f) => fs.existsSync(f)).sort();
}

async function pick(arg: unknown, explorer: TestExplorer, findings: CauseDiagnostics, title: string): Promise<string | undefined> {
  if (arg instanceof vscode.Uri) return arg.fsPath;
  if (typeof arg === "string") return arg;
  // a cause of the Leaks view
  const site = (arg as { site?: { cause: { kind: string; symbol: string }; tests: { folder: vscode.WorkspaceFolder } } } | undefined)?.site;
  if (site?.cause.kind === "persistent-database") return sqliteFileOf(site.cause.symbol, readConfig(site.tests.folder).cwd);
  const files = await knownFiles(explorer, findings);
  if (files.length === 0) {
    void vscode.window.showInformationMessage("ORM Test Doctor: no SQLite database file is known to the tests (in-memory databases keep nothing).");
    return undefined;
  }
  if (files.length === 1) return files[0];
  return (await vscode.window.showQuickPick(files.map((f) => ({ label: path.basename(f), description: f, file: f })), { title }))?.file;
}

function cell(v: unknown): string {
  const s = v === null || v === undefined ? "NULL" : Buffer.isBuffer(v) ? `<${v.length} bytes>` : String(v);
  return s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ").slice(0, 80);
}

export function rowsMarkdown(file: string, tables: readonly TableRows[]): string {
  const total = tables.reduce((n, t) => n + t.count, 0);
  const lines = [`# Leaked rows in ${path.basename(file)}`, "", `\`${file}\`: ${total} row${total === 1 ? "" : "s"} in ${tables.length} table${tables.length === 1 ? "" : "s"} after the tests (a well-isolated suite leaves none).`, ""];
  for (const t of tables) {
    lines.push(`## ${t.table} (${t.count} row${t.count === 1 ? "" : "s"}${t.rows.length < t.count ? `, first ${t.rows.length} shown` : ""})`, "");
    lines.push(`| ${t.columns.map(cell).join(" | ")} |`, `| ${t.columns.map(() => "---").join(" | ")} |`);
    for (const r of t.rows) lines.push(`| ${r.map(cell).join(" | ")} |`);
    lines.push("");
  }
  return lines.join("\n");
}

export function registerLeakedRows(context: vscode.ExtensionContext, explorer: TestExplorer, findings: CauseDiagnostics, log: Log): void {
  context.subscriptions.push(
    vscode.commands.registerCommand("ormTestDoctor.showLeakedRows", async (arg?: unknown) => {
      const file = await pick(arg, explorer, findings, "Show the rows a test database kept");
      if (!file) return undefined;
      try {
        const tables = await leakedRows(file);
        const doc = await vscode.workspace.openTextDocument({ language: "markdown", content: rowsMarkdown(file, tables) });
        await vscode.commands.executeCommand("markdown.showPreview", doc.uri).then(undefined, () => vscode.window.showTextDocument(doc, { preview: true }));
        return tables;
      } catch (err) {
        void vscode.window.showErrorMessage(`ORM Test Doctor: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
        return undefined;
      }
    }),
    vscode.commands.registerCommand("ormTestDoctor.purgeLeakedRows", async (arg?: unknown) => {
      if (!vscode.workspace.isTrusted) return undefined;
      const file = await pick(arg, explorer, findings, "Purge the rows a test database kept");
      if (!file) return undefined;
      try {
        const tables = await leakedRows(file, 0);
        const total = tables.reduce((n, t) => n + t.count, 0);
        if (total === 0) {
          void vscode.window.showInformationMessage(`ORM Test Doctor: ${path.basename(file)} holds no rows.`);
          return { backup: undefined, deleted: {} };
        }
        const yes = "Back Up and Delete Rows";
        const answer = await vscode.window.showWarningMessage(
          `Delete ${total} row${total === 1 ? "" : "s"} from ${tables.map((t) => `${t.table} (${t.count})`).join(", ")} in ${path.basename(file)}?`,
          { modal: true, detail: `The file is first copied to ${path.basename(file)}.bak-<date> next to it. Tables stay; migration bookkeeping (alembic_version) is kept.` },
          yes,
        );
        if (answer !== yes) return undefined;
        const done = await purgeLeakedRows(file);
        log.info(`purged ${JSON.stringify(done.deleted)} from ${file}; backup ${done.backup}`);
        void vscode.window.showInformationMessage(`ORM Test Doctor: deleted ${total} row${total === 1 ? "" : "s"} from ${path.basename(file)}; backup: ${done.backup}`);
        return done;
      } catch (err) {
        void vscode.window.showErrorMessage(`ORM Test Doctor: cannot purge ${file}: ${err instanceof Error ? err.message : String(err)}`);
        return undefined;
      }
    }),
  );
}
