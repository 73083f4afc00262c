// "Diagnose pytest output…": reads pytest text or junit XML from the clipboard or a file (a CI
// log, say), shows the database failures grouped by cause, and marks their lines as problems.
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import type { Log } from "./log";
import { groupFailures } from "../core/failures/group";
import type { Failure } from "../core/failures/model";
import { failuresFromFile, failuresFromText } from "../core/failures/read";
import { describeDb, formatGroups } from "../core/report";

function readFailures(source: "clipboard" | vscode.Uri): Promise<Failure[]> {
  if (source === "clipboard") return Promise.resolve(vscode.env.clipboard.readText()).then((text) => failuresFromText(text));
  return failuresFromFile(source.fsPath);
}

/** A path from the log, mapped into this workspace (logs from CI carry the CI machine's paths). */
function localFile(file: string): vscode.Uri | undefined {
  if (path.isAbsolute(file) && fs.existsSync(file)) return vscode.Uri.file(file);
  const parts = file.split(/[\\/]/).filter(Boolean);
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    for (let i = 0; i < parts.length; i++) {
      const candidate = path.join(folder.uri.fsPath, ...parts.slice(i));
      if (fs.existsSync(candidate)) return vscode.Uri.file(candidate);
    }
  }
  return undefined;
}

function toDiagnostics(failures: readonly Failure[]): Map<string, vscode.Diagnostic[]> {
  const byFile = new Map<string, vscode.Diagnostic[]>();
  for (const f of failures) {
    const frame = f.userFrame;
    const uri = frame && localFile(frame.file);
    if (!frame || !uri) continue;
    const what = f.db ? describeDb(f.db) : `${f.chain[0]?.type ?? "failure"}: ${f.chain[0]?.message.split("\n")[0] ?? ""}`;
    const d = new vscode.Diagnostic(new vscode.Range(frame.line, 0, frame.line, Number.MAX_SAFE_INTEGER), `${f.nodeid}: ${what}`, vscode.DiagnosticSeverity.Error);
    d.source = "ORM Test Doctor";
    if (f.db) d.code = `db-${f.db.kind}`;
    byFile.set(uri.toString(), [...(byFile.get(uri.toString()) ?? []), d]);
  }
  return byFile;
}

export function registerDiagnose(context: vscode.ExtensionContext, log: Log): void {
  const diagnostics = vscode.languages.createDiagnosticCollection("ormTestDoctor.diagnose");
  context.subscriptions.push(
    diagnostics,
    // arg: a file (explorer context menu, or a caller), or "clipboard"; none asks.
    vscode.commands.registerCommand("ormTestDoctor.diagnoseOutput", async (arg?: vscode.Uri | "clipboard") => {
      let source: "clipboard" | vscode.Uri | undefined = arg instanceof vscode.Uri || arg === "clipboard" ? arg : undefined;
      if (!source) {
        const pick = await vscode.window.showQuickPick(
          [
            { label: "$(clippy) From the clipboard", value: "clipboard" as const },
            { label: "$(file) From a file…", description: "pytest output, a CI log or junit XML", value: "file" as const },
          ],
          { title: "Diagnose pytest output" },
        );
        if (!pick) return;
        if (pick.value === "clipboard") source = "clipboard";
        else source = (await vscode.window.showOpenDialog({ canSelectMany: false, filters: { "pytest output": ["txt", "log", "xml", "out"], All: ["*"] } }))?.[0];
      }
      if (!source) return;
      const failures = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: "Reading pytest output…" }, () => readFailures(source));
      log.info(`diagnose: ${failures.length} failures from ${source === "clipboard" ? "the clipboard" : source.fsPath}`);
      diagnostics.clear();
      for (const [uri, ds] of toDiagnostics(failures)) diagnostics.set(vscode.Uri.parse(uri), ds);
      const db = failures.filter((f) => f.db);
      const other = failures.filter((f) => !f.db);
      const lines = [
        `# ORM Test Doctor: ${failures.length} failures (${db.length} from the database)`,
        "",
        ...(db.length ? ["## Database failures, grouped by cause", "", "```text", ...formatGroups(groupFailures(db)), "```", ""] : []),
        ...(other.length ? ["## Other failures", "", ...other.map((f) => `- \`${f.nodeid}\`: ${f.chain[0]?.type ?? "failed"}`)] : []),
        ...(failures.length ? [] : ["No failures found: is this pytest output?"]),
      ];
      const doc = await vscode.workspace.openTextDocument({ language: "markdown", content: lines.join("\n") + "\n" });
      await vscode.window.showTextDocument(doc, { preview: true });
      return failures;
    }),
  );
}
