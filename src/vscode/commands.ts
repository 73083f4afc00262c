import * as vscode from "vscode";
import { registerDiagnose } from "./diagnose";
import type { TestExplorer } from "./testController";

export function registerCommands(context: vscode.ExtensionContext, explorer: TestExplorer, log: vscode.LogOutputChannel): void {
  const reg = (id: string, fn: () => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  reg("ormTestDoctor.showOutput", () => log.show());
  reg("ormTestDoctor.refreshTests", () => explorer.discoverAll());
  reg("ormTestDoctor.runAll", () => vscode.commands.executeCommand("testing.runAll"));
  registerDiagnose(context, log);
}
