// Records every run's results and normalized failures in the extension's SQLite store
// (workspace storage), so later features can compare a run with the ones before it.
import * as path from "node:path";
import * as vscode from "vscode";
import type { Log } from "./log";
import type { Cause } from "../core/causes";
import { endRun, recordCauses, recordResult, startRun, type ResultRow } from "../core/history";
import { HistoryStore } from "../core/historyStore";
import type { Store } from "../core/store";

export interface RunRecorder {
  result(r: ResultRow): void;
  /** Causes found after the result was recorded (at the run's end). */
  causes(nodeid: string, causes: Cause[], rootOf: string | null): void;
  end(): Promise<void>;
}

export class History implements vscode.Disposable {
  private readonly store: HistoryStore;

  constructor(dir: vscode.Uri, private readonly log: Log) {
    this.store = new HistoryStore(path.join(dir.fsPath, "history.db"), (n) => {
      this.log[n.level](`history: ${n.message}`);
      if (n.level === "error") void vscode.window.showWarningMessage(`ORM Test Doctor: ${n.message}`);
    });
  }

  /** The store, or undefined while it cannot be opened (a lock; tried again next time). */
  open(): Promise<Store | undefined> {
    return this.store.get();
  }

  /** Starts recording a run of `root`; never fails the run itself (a broken store is logged). */
  async begin(root: string): Promise<RunRecorder | undefined> {
    try {
      const store = await this.open();
      if (!store) return undefined;
      const id = await startRun(store, root);
      let writes = Promise.resolve();
      const fail = (err: unknown) => this.log.warn(`history: ${String(err)}`);
      return {
        result: (r) => {
          writes = writes.then(() => recordResult(store, id, r)).catch(fail);
        },
        causes: (nodeid, causes, rootOf) => {
          writes = writes.then(() => recordCauses(store, id, nodeid, causes, rootOf)).catch(fail);
        },
        end: () => writes.then(() => endRun(store, id)).catch(fail),
      };
    } catch (err) {
      this.log.warn(`history unavailable: ${String(err)}`);
      return undefined;
    }
  }

  dispose(): void {
    void this.store.close();
  }
}
