// Watches *.py files and reports them per folder after a quiet period, so a save storm or a
// branch switch leads to one re-discovery, not hundreds.
import * as vscode from "vscode";

const QUIET_MS = 400;

export function watchPythonFiles(onChange: (folder: vscode.WorkspaceFolder, changes: { changed: string[]; deleted: string[] }) => void): vscode.Disposable {
  const watcher = vscode.workspace.createFileSystemWatcher("**/*.py");
  const pending = new Map<string, { folder: vscode.WorkspaceFolder; changed: Set<string>; deleted: Set<string> }>();
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    for (const p of pending.values()) onChange(p.folder, { changed: [...p.changed], deleted: [...p.deleted] });
    pending.clear();
  };
  const note = (uri: vscode.Uri, deleted: boolean) => {
    if (/[\\/](\.venv|venv|site-packages|node_modules|__pycache__|\.git)[\\/]/.test(uri.fsPath)) return;
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    if (!folder) return;
    const p = pending.get(folder.uri.toString()) ?? { folder, changed: new Set<string>(), deleted: new Set<string>() };
    pending.set(folder.uri.toString(), p);
    (deleted ? p.deleted : p.changed).add(uri.fsPath);
    (deleted ? p.changed : p.deleted).delete(uri.fsPath);
    if (timer) clearTimeout(timer);
    timer = setTimeout(flush, QUIET_MS);
  };
  return vscode.Disposable.from(
    watcher,
    watcher.onDidCreate((u) => note(u, false)),
    watcher.onDidChange((u) => note(u, false)),
    watcher.onDidDelete((u) => note(u, true)),
    { dispose: () => timer && clearTimeout(timer) },
  );
}
