import * as vscode from "vscode";
import type { Log } from "./log";
import { registerDiagnose } from "./diagnose";
import { registerFindPolluter } from "./polluter";
import type { TestExplorer } from "./testController";

export function registerCommands(context: vscode.ExtensionContext, explorer: TestExplorer, log: Log): void {
  const reg = (id: string, fn: () => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  reg("ormTestDoctor.showOutput", () => log.show());
  reg("ormTestDoctor.refreshTests", () => explorer.discoverAll());
  reg("ormTestDoctor.runAll", () => explorer.runAll());
  registerDiagnose(context, log);
  registerFindPolluter(context, log);
  context.subscriptions.push(
    vscode.commands.registerCommand("ormTestDoctor.checkDrift", async () => {
      const folders = vscode.workspace.workspaceFolders ?? [];
      const findings = (await Promise.all(folders.map((f) => explorer.drift.checkFolder(f)))).flat();
      const files = new Set(findings.map((f) => f.file)).size;
      if (findings.length) {
        void vscode.commands.executeCommand("workbench.actions.view.problems");
        void vscode.window.showWarningMessage(`ORM Test Doctor: ${findings.length} factory/model mismatch${findings.length === 1 ? "" : "es"} in ${files} file${files === 1 ? "" : "s"} (see the Problems panel).`);
      } else {
        void vscode.window.showInformationMessage("ORM Test Doctor: factories and model calls match the models.");
      }
      return findings;
    }),
  );
}
