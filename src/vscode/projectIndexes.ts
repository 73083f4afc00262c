// Keeps a Python project index per workspace folder: built in the background (worker threads)
// when tests are first resolved, then updated file by file as Python files change.
import * as path from "node:path";
import * as vscode from "vscode";
import type { Log } from "./log";
import { indexWorkspace, updateWorkspaceIndex, type ProjectIndex } from "../core/index";

export class ProjectIndexes implements vscode.Disposable {
  private readonly indexes = new Map<string, Promise<ProjectIndex>>();
  private readonly abort = new AbortController();
  /** Why worker threads failed per folder (indexing then finished on the extension host's thread). */
  readonly workerErrors = new Map<string, string>();

  private readonly changed = new vscode.EventEmitter<{ folder: vscode.WorkspaceFolder; index: ProjectIndex; files?: readonly string[] }>();
  /** A folder's index was built (files undefined) or updated (the changed and deleted files). */
  readonly onDidChange = this.changed.event;

  constructor(private readonly extensionDir: string, private readonly log: Log) {}

  /** The folder's index, building it on first use. */
  get(folder: vscode.WorkspaceFolder): Promise<ProjectIndex> {
    const key = folder.uri.toString();
    let index = this.indexes.get(key);
    if (!index) {
      index = this.build(folder);
      this.indexes.set(key, index);
      const mine = index;
      index.catch(() => {
        if (this.indexes.get(key) === mine) this.indexes.delete(key); // not a newer build of a re-added folder
      });
    }
    return index;
  }

  /** A folder left the workspace: its index (often the biggest thing we hold) goes too. */
  forget(folder: vscode.WorkspaceFolder): void {
    this.indexes.delete(folder.uri.toString());
    this.workerErrors.delete(folder.uri.toString());
  }

  private build(folder: vscode.WorkspaceFolder): Promise<ProjectIndex> {
    const dist = path.join(this.extensionDir, "dist");
    return Promise.resolve(vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Indexing ${folder.name}` }, async (progress) => {
      const started = Date.now();
      let reported = 0;
      const index = await indexWorkspace(folder.uri.fsPath, {
        signal: this.abort.signal,
        wasmDir: dist,
        workerScript: path.join(dist, "indexWorker.js"),
        onWorkerError: (message) => {
          this.workerErrors.set(folder.uri.toString(), message);
          this.log.warn(`${folder.name}: index ${message}`);
        },
        onProgress: ({ done, total }) => {
          const pct = Math.floor((100 * done) / Math.max(total, 1));
          if (pct > reported) progress.report({ message: `${done}/${total} files`, increment: pct - reported });
          reported = pct;
        },
      });
      this.log.info(`${folder.name}: indexed ${index.files().length} Python files (${index.totalLines()} lines) in ${Date.now() - started} ms`);
      this.changed.fire({ folder, index });
      return index;
    }));
  }

  /** Re-indexes changed files alone; forgets deleted ones. */
  async update(folder: vscode.WorkspaceFolder, changed: readonly string[], deleted: readonly string[]): Promise<void> {
    const pending = this.indexes.get(folder.uri.toString());
    if (!pending) return;
    const index = await pending;
    await updateWorkspaceIndex(index, folder.uri.fsPath, changed, deleted, (rel, err) => this.log.warn(`index: ${rel}: ${String(err)}`));
    this.changed.fire({ folder, index, files: [...changed, ...deleted] });
  }

  dispose(): void {
    this.abort.abort();
    this.changed.dispose();
  }
}
