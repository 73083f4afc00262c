// Opening the history store without ever giving up on it for good: a locked store (another
// window, a backup tool) is tried again on the next run; a corrupt one is moved aside, kept
// under a name that says when, and a fresh store started. Nothing here throws into a run.
import * as fs from "node:fs";
import * as path from "node:path";
import { isCorrupt, Store } from "./store";

export interface StoreNotice {
  level: "warn" | "error";
  message: string;
}

export class HistoryStore {
  private store: Promise<Store> | undefined;

  constructor(private readonly file: string, private readonly notify: (n: StoreNotice) => void) {}

  /** The open store, or undefined when it cannot be opened now (tried again next time). */
  async get(): Promise<Store | undefined> {
    this.store ??= this.open();
    try {
      return await this.store;
    } catch (err) {
      this.store = undefined; // a lock goes away: the next run tries again
      this.notify({ level: "warn", message: `run history is unavailable for now (${describe(err)}); it is tried again on the next run` });
      return undefined;
    }
  }

  private async open(): Promise<Store> {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    try {
      return await Store.open(this.file);
    } catch (err) {
      if (!isCorrupt(err)) throw err;
      const aside = `${this.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, "-")}`;
      fs.renameSync(this.file, aside);
      for (const side of ["-wal", "-shm"]) if (fs.existsSync(this.file + side)) fs.renameSync(this.file + side, aside + side);
      this.notify({ level: "error", message: `the run history store ${this.file} was damaged (${describe(err)}); it was kept as ${aside} and a new one started` });
      return Store.open(this.file);
    }
  }

  async close(): Promise<void> {
    const s = this.store;
    this.store = undefined;
    await s?.then((x) => x.close()).catch(() => undefined);
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
