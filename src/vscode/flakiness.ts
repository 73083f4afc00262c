// Flaky and order-dependent tests, shown on their Test Explorer items ("3/10 runs failed
// runs, always after test_x") from the run history: after each recorded run and after discovery
// (a reload). Only the descriptions set here are ever cleared.
import * as vscode from "vscode";
import { unsteadyTests } from "../core/history";
import { isOpenFolder, readConfig } from "./config";
import type { FolderTests } from "./folderTests";
import type { History } from "./history";
import type { Log } from "./log";

/** The words on a test's item: also what the Leaks view says of a test it lists. */
/** Short, the count first: a sidebar of the default width shows about 20 characters of it. */
export function unsteadyText(h: { runs: number; failed: number; alwaysAfter?: string }): string {
  const after = h.alwaysAfter ? `, always after ${h.alwaysAfter.split("::").pop() ?? h.alwaysAfter}` : "";
  return `${h.failed}/${h.runs} runs failed${after}`;
}

export class Flakiness {
  /** Per folder, the items whose description is ours, by node id. */
  private readonly marked = new Map<string, Map<string, vscode.TestItem>>();
  private queue = Promise.resolve();

  constructor(private readonly history: History, private readonly log: Log) {}

  /** Redraws a folder's marks from the history; updates are serialized (runs end in any order). */
  update(tests: FolderTests): Promise<void> {
    this.queue = this.queue.then(() => this.redraw(tests)).catch((err: unknown) => this.log.warn(`${tests.folder.name}: flakiness not shown: ${String(err)}`));
    return this.queue;
  }

  /** What the folder's tests show now (tests read it). */
  shown(tests: FolderTests): Map<string, string> {
    const out = new Map<string, string>();
    for (const [nodeid, item] of this.marked.get(tests.folder.uri.toString()) ?? []) out.set(nodeid, item.description ?? "");
    return out;
  }

  forget(folder: vscode.WorkspaceFolder): void {
    this.marked.delete(folder.uri.toString());
  }

  private async redraw(tests: FolderTests): Promise<void> {
    const store = await this.history.open();
    if (!store) return;
    const unsteady = await unsteadyTests(store, readConfig(tests.folder).cwd);
    const key = tests.folder.uri.toString();
    if (!isOpenFolder(tests.folder)) return; // it left meanwhile
    const before = this.marked.get(key) ?? new Map<string, vscode.TestItem>();
    const now = new Map<string, vscode.TestItem>();
    for (const u of unsteady) {
      const item = tests.byNodeId.get(u.nodeid);
      if (!item) continue;
      item.description = unsteadyText(u);
      now.set(u.nodeid, item);
    }
    for (const [nodeid, item] of before) if (now.get(nodeid) !== item) item.description = "";
    this.marked.set(key, now);
  }
}
