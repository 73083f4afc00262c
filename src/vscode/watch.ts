// Watches *.py files and reports them per folder after a quiet period, so a save storm or a
// branch switch leads to one re-discovery, not hundreds. Paths that are not the user's code
// (src/core/skip.ts: virtualenvs, caches, git-ignored) are never reported.
import * as path from "node:path";
import * as vscode from "vscode";
import { inSkippedDir, userFiles } from "../core/skip";

const QUIET_MS = 400;

export function watchPythonFiles(
  onChange: (folder: vscode.WorkspaceFolder, changes: { changed: string[]; deleted: string[] }) => void | Promise<void>,
  onError: (err: unknown) => void,
): vscode.Disposable {
  const watcher = vscode.workspace.createFileSystemWatcher("**/*.py");
  const pending = new Map<string, { folder: vscode.WorkspaceFolder; changed: Set<string>; deleted: Set<string> }>();
  let timer: NodeJS.Timeout | undefined;
  // Batches are delivered in order: a later "deleted" must not overtake an earlier "changed".
  let delivering: Promise<void> = Promise.resolve();
  const flush = () => {
    timer = undefined;
    const batch = [...pending.values()];
    pending.clear();
    delivering = delivering.then(async () => {
      for (const p of batch) {
        // git-ignore rules live in files, so this part of the check waits for the quiet period
        const changed = await userFiles(p.folder.uri.fsPath, [...p.changed]);
        const deleted = await userFiles(p.folder.uri.fsPath, [...p.deleted]);
        if (changed.length || deleted.length) await onChange(p.folder, { changed, deleted });
      }
    }).catch((err: unknown) => onError(err));
  };
  const note = (uri: vscode.Uri, deleted: boolean) => {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    // dropped at once by folder name, so a pip install into .venv does not keep resetting the timer
    if (!folder || inSkippedDir(path.relative(folder.uri.fsPath, uri.fsPath))) return;
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
