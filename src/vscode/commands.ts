import * as vscode from "vscode";

export function registerCommands(context: vscode.ExtensionContext, controller: vscode.TestController, log: vscode.LogOutputChannel): void {
  const reg = (id: string, fn: () => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  reg("ormTestDoctor.showOutput", () => log.show());
  reg("ormTestDoctor.refreshTests", () => controller.refreshHandler?.(new vscode.CancellationTokenSource().token));
  reg("ormTestDoctor.runAll", () => vscode.commands.executeCommand("testing.runAll"));
  reg("ormTestDoctor.diagnoseOutput", () => vscode.window.showInformationMessage("Diagnose pytest output: coming with the failure model."));
}
