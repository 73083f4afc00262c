// Records every run's results and normalized failures in the extension's SQLite store
// (workspace storage), so later features can compare a run with the ones before it.
import * as path from "node:path";
import * as vscode from "vscode";
import type { Log } from "./log";
import type { Cause } from "../core/causes";
import { endRun, recordCauses, recordResult, startRun, type ResultRow } from "../core/history";
import { HistoryStore, type StoreNotice } from "../core/historyStore";
import { isBusy, type Store } from "../core/store";

export interface RunRecorder {
  result(r: ResultRow): void;
  /** Causes found after the result was recorded (at the run's end). */
  causes(nodeid: string, causes: Cause[], rootOf: string | null): void;
  end(): Promise<void>;
}

export class History implements vscode.Disposable {
  readonly file: string;
  private readonly store: HistoryStore;
  private readonly notices = new vscode.EventEmitter<StoreNotice & { shown: boolean }>();
  /** What happened to the store (a damaged file, a lock) as it happens; `shown`: told the user. */
  readonly onDidNotice = this.notices.event;
  private readonly recorded = new vscode.EventEmitter<string>();
  /** Fires with a run's root once the run is in the store. */
  readonly onDidRecord = this.recorded.event;
  /** A lock was reported and no run has been recorded since: said once, not every run. */
  private locked = false;

  constructor(dir: vscode.Uri, private readonly log: Log) {
    this.file = path.join(dir.fsPath, "history.db");
    this.store = new HistoryStore(this.file, (n) => this.say(n));
  }

  private disposed = false;

  /** The store, or undefined while it cannot be opened (a lock; tried again next time) and once
   * the window is closing (a late reader must not open a handle nobody closes). */
  open(): Promise<Store | undefined> {
    return this.disposed ? Promise.resolve(undefined) : this.store.get();
  }

  /** Closes the store; the next use opens the file again, as a window reload does. */
  reopen(): Promise<void> {
    return this.store.close();
  }

  /** Starts recording a run of `root`; never fails the run itself (a broken store is said). */
  async begin(root: string): Promise<RunRecorder | undefined> {
    let failed = false;
    const fail = (err: unknown) => {
      if (!failed && isBusy(err)) this.say({ level: "warn", message: `run history is locked by another process (${String(err)}); this run is not fully recorded, the next run tries again` });
      else this.log.warn(`history: ${String(err)}`);
      failed = true;
    };
    try {
      const store = await this.open();
      if (!store) return undefined;
      const id = await startRun(store, root);
      let writes = Promise.resolve();
      return {
        result: (r) => {
          writes = writes.then(() => recordResult(store, id, r)).catch(fail);
        },
        causes: (nodeid, causes, rootOf) => {
          writes = writes.then(() => recordCauses(store, id, nodeid, causes, rootOf)).catch(fail);
        },
        end: async () => {
          await writes.then(() => endRun(store, id)).catch(fail);
          if (!failed) this.locked = false;
          this.recorded.fire(root);
        },
      };
    } catch (err) {
      fail(err);
      return undefined;
    }
  }

  private say(n: StoreNotice): void {
    this.log[n.level](`history: ${n.message}`);
    // a damaged store is said each time; a lock once until a run is recorded again
    const lock = n.level === "warn";
    const shown = !lock || !this.locked;
    if (shown) void vscode.window.showWarningMessage(`ORM Test Doctor: ${n.message}`);
    if (lock) this.locked = true;
    if (!this.disposed) this.notices.fire({ ...n, shown });
  }

  dispose(): void {
    this.disposed = true;
    this.notices.dispose();
    this.recorded.dispose();
    void this.store.close();
  }
}
