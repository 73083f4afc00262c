// Records every run's results and normalized failures in the extension's SQLite store
// (workspace storage), so later features can compare a run with the ones before it.
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import type { Log } from "./log";
import { endRun, recordResult, startRun, type ResultRow } from "../core/history";
import { Store } from "../core/store";

export interface RunRecorder {
  result(r: ResultRow): void;
  end(): Promise<void>;
}

export class History implements vscode.Disposable {
  private store: Promise<Store> | undefined;

  constructor(private readonly dir: vscode.Uri, private readonly log: Log) {}

  open(): Promise<Store> {
    this.store ??= (async () => {
      fs.mkdirSync(this.dir.fsPath, { recursive: true });
      return Store.open(path.join(this.dir.fsPath, "history.db"));
    })();
    return this.store;
  }

  /** Starts recording a run of `root`; never fails the run itself (a broken store is logged). */
  async begin(root: string): Promise<RunRecorder | undefined> {
    try {
      const store = await this.open();
      const id = await startRun(store, root);
      let writes = Promise.resolve();
      const fail = (err: unknown) => this.log.warn(`history: ${String(err)}`);
      return {
        result: (r) => {
          writes = writes.then(() => recordResult(store, id, r)).catch(fail);
        },
        end: () => writes.then(() => endRun(store, id)).catch(fail),
      };
    } catch (err) {
      this.log.warn(`history unavailable: ${String(err)}`);
      return undefined;
    }
  }

  dispose(): void {
    void this.store?.then((s) => s.close()).catch(() => undefined);
  }
}
