import * as vscode from "vscode";
import type { Log } from "./log";
import { registerDiagnose } from "./diagnose";
import type { TestExplorer } from "./testController";

export function registerCommands(context: vscode.ExtensionContext, explorer: TestExplorer, log: Log): void {
  const reg = (id: string, fn: () => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  reg("ormTestDoctor.showOutput", () => log.show());
  reg("ormTestDoctor.refreshTests", () => explorer.discoverAll());
  reg("ormTestDoctor.runAll", () => explorer.runAll());
  registerDiagnose(context, log);
}
