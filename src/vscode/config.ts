import * as path from "node:path";
import * as vscode from "vscode";

/** Settings of one workspace folder (multi-root: each folder reads its own). */
export interface FolderConfig {
  python: string;
  pytestArgs: string[];
  cwd: string;
  env: Record<string, string>;
}

export function readConfig(folder: vscode.WorkspaceFolder): FolderConfig {
  const c = vscode.workspace.getConfiguration("ormTestDoctor", folder.uri);
  const cwd = c.get<string>("cwd", "");
  const env = c.get<Record<string, unknown>>("env", {});
  return {
    python: c.get<string>("python", "").trim(),
    pytestArgs: c.get<unknown[]>("pytestArgs", []).filter((a): a is string => typeof a === "string"),
    cwd: cwd ? path.resolve(folder.uri.fsPath, cwd) : folder.uri.fsPath,
    env: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === "string")),
  };
}

/** Whether `folder` is still in the workspace: work that ends after its folder left is dropped. */
export function isOpenFolder(folder: vscode.WorkspaceFolder): boolean {
  const key = folder.uri.toString();
  return (vscode.workspace.workspaceFolders ?? []).some((f) => f.uri.toString() === key);
}
