import * as vscode from "vscode";

export const CONTROLLER_ID = "ormTestDoctor";

export function createTestController(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): vscode.TestController {
  const controller = vscode.tests.createTestController(CONTROLLER_ID, "ORM Test Doctor");
  context.subscriptions.push(controller);
  controller.resolveHandler = async () => {
    if (!vscode.workspace.isTrusted) {
      log.warn("workspace is not trusted: tests are neither discovered nor run");
      return;
    }
  };
  return controller;
}
