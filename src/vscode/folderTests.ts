// One workspace folder's tests: discovery through the runner, the TestItem tree, and the
// nodeid ↔ TestItem index the run handler needs.
import * as path from "node:path";
import * as vscode from "vscode";
import type { Log } from "./log";
import { discover, findInterpreter, RunnerError, type Interpreter, type PytestOptions } from "../core/runner";
import { PROTOCOL_VERSION, type Message } from "../core/protocol";
import { ancestorIds, TestTreeBuilder, type TestNode } from "../core/testTree";
import { readConfig } from "./config";
import { interpreterCandidates } from "./interpreter";

export interface ItemData {
  folder: FolderTests;
  nodeid: string; // "" for the folder's root item
  kind: TestNode["kind"] | "root";
}

export const itemData = new WeakMap<vscode.TestItem, ItemData>();

export class FolderTests {
  readonly root: vscode.TestItem;
  readonly byNodeId = new Map<string, vscode.TestItem>();
  rootdir: string;

  constructor(
    readonly folder: vscode.WorkspaceFolder,
    private readonly controller: vscode.TestController,
    private readonly pluginDir: string,
    private readonly log: Log,
  ) {
    this.rootdir = folder.uri.fsPath;
    this.root = controller.createTestItem(`folder:${folder.uri.toString()}`, folder.name, folder.uri);
    this.root.canResolveChildren = true;
    itemData.set(this.root, { folder: this, nodeid: "", kind: "root" });
  }

  /** Runner options for this folder, or a message saying why tests cannot run. */
  async options(signal?: AbortSignal): Promise<PytestOptions | string> {
    const config = readConfig(this.folder);
    const candidates = await interpreterCandidates(this.folder, config, this.log);
    try {
      const py = await this.interpreter(candidates, config.env, config.cwd);
      return { python: py.path, cwd: config.cwd, pluginDir: this.pluginDir, args: config.pytestArgs, env: config.env, ...(signal ? { signal } : {}) };
    } catch (err) {
      if (err instanceof RunnerError) return err.message;
      throw err;
    }
  }

  private probed: { key: string; found: Interpreter } | undefined;

  /** The SQLAlchemy the folder's interpreter has (probed on the last discovery or run). */
  get sqlalchemyVersion(): string | undefined {
    return this.probed?.found.sqlalchemyVersion;
  }

  /** The interpreter the last discovery or run used (sys.executable). */
  get interpreterPath(): string | undefined {
    return this.probed?.found.executable;
  }

  /** findInterpreter spawns Python; a success is kept while candidates, env and cwd stay the same.
   * Failures are not kept, so installing pytest is seen at the next run. */
  private async interpreter(candidates: string[], env: Record<string, string>, cwd: string): Promise<Interpreter> {
    const key = JSON.stringify([candidates, env, cwd]);
    if (this.probed?.key === key) return this.probed.found;
    const found = await findInterpreter(candidates, { env, cwd });
    this.log.info(`${this.folder.name}: Python ${found.version} (${found.executable}), pytest ${found.pytestVersion}`);
    this.probed = { key, found };
    return found;
  }

  private discovering: Promise<void> = Promise.resolve();

  /** Collects the whole folder, or only `files` (absolute paths) when given. Discoveries of one
   * folder queue up (a settings change, a save and a refresh may come together), so the tree is
   * never rebuilt by two at once. */
  discover(files?: readonly string[]): Promise<void> {
    const next = this.discovering.then(() => this.discoverNow(files));
    this.discovering = next.catch(() => undefined);
    return next;
  }

  private async discoverNow(files?: readonly string[]): Promise<void> {
    this.root.busy = true;
    try {
      const opts = await this.options();
      if (typeof opts === "string") {
        this.root.error = opts;
        this.log.error(`${this.folder.name}: ${opts}`);
        return;
      }
      const targets = files?.map((f) => path.relative(opts.cwd, f)) ?? [];
      const result = await discover({ ...opts, args: [...(opts.args ?? []), ...targets] }, (e) => {
        if (e.type === "protocol_error") this.log.warn(`plugin: ${e.error.reason}`);
      });
      this.rootdir = result.rootdir;
      const builder = result.tree;
      // pytest exits 2 on collection errors and 5 when nothing is collected: both are normal here.
      const problem = result.exit.problem;
      const empty = result.items.length === 0 && result.errors.length === 0;
      this.root.error = problem && (problem.kind !== "crashed" || empty) ? problem.message : undefined;
      if (problem) this.log.warn(`${this.folder.name}: discovery: ${problem.message}`);
      if (files) this.replaceFiles(files, builder);
      else this.replaceAll(builder.roots);
      // collected: expanding the folder in Test Explorer must not collect it all over again
      if (!this.root.error) this.root.canResolveChildren = false;
      this.log.info(`${this.folder.name}: ${result.items.length} collected, ${result.errors.length} collection errors (${result.exit.durationMs} ms)`);
    } finally {
      this.root.busy = false;
    }
  }

  private toItem(node: TestNode): vscode.TestItem {
    const uri = node.file ? vscode.Uri.file(node.file) : vscode.Uri.file(path.join(this.rootdir, node.id));
    const item = this.controller.createTestItem(`${this.folder.uri.toString()}|${node.id}`, node.label, uri);
    // Files and folders get no range: a range puts a status icon in the editor's gutter.
    if (node.range && node.kind !== "file" && node.kind !== "folder") item.range = new vscode.Range(node.range.line, 0, node.range.endLine ?? node.range.line, 0);
    if (node.error) item.error = new vscode.MarkdownString().appendText(node.error).appendCodeblock(node.errorDetail ?? "", "text");
    item.sortText = node.range ? String(node.range.line).padStart(6, "0") : node.label;
    itemData.set(item, { folder: this, nodeid: node.id, kind: node.kind });
    this.byNodeId.set(node.id, item);
    item.children.replace(node.children.map((c) => this.toItem(c)));
    return item;
  }

  private replaceAll(roots: readonly TestNode[]): void {
    this.byNodeId.clear();
    this.root.children.replace(roots.map((n) => this.toItem(n)));
  }

  /** Swaps in the subtrees of just these files, keeping the rest of the tree. */
  private replaceFiles(files: readonly string[], builder: TestTreeBuilder): void {
    for (const file of files) {
      const rel = path.relative(this.rootdir, file).split(path.sep).join("/");
      this.removeFile(file);
      const ids = rel.split("/");
      let parent = this.root;
      for (let i = 1; i <= ids.length; i++) {
        const id = ids.slice(0, i).join("/");
        const existing = this.byNodeId.get(id);
        const node = builder.get(id);
        if (existing && i < ids.length) {
          parent = existing;
          continue;
        }
        if (!node) break;
        const item = this.toItem(node);
        parent.children.add(item);
        parent = item;
        if (i < ids.length) break; // a new folder brought its whole subtree
      }
    }
  }

  /** The item of a node id a run reported; one the tree lacks (a test created or a parametrized id
   * changed since discovery) is added under its nearest existing ancestor, so no result is lost. */
  ensureItem(nodeid: string, collected?: Extract<Message, { type: "collected" }>): vscode.TestItem | undefined {
    const known = this.byNodeId.get(nodeid);
    if (known) return known;
    const builder = new TestTreeBuilder(this.rootdir);
    builder.add(collected ?? { v: PROTOCOL_VERSION, type: "collected", nodeid, kind: nodeid.endsWith("]") ? "case" : "function", name: nodeid, file: "" });
    let parent = this.root;
    for (const id of ancestorIds(nodeid)) {
      const existing = this.byNodeId.get(id);
      if (existing) {
        parent = existing;
        continue;
      }
      const node = builder.get(id);
      if (!node) break;
      parent.children.add(this.toItem(node)); // brings the new subtree down to the node id
      break;
    }
    const item = this.byNodeId.get(nodeid);
    if (item) this.log.info(`${this.folder.name}: ${nodeid} was not discovered; added from the run's results`);
    else this.log.warn(`${this.folder.name}: no place in the tree for the result of ${nodeid}`);
    return item;
  }

  removeFile(file: string): void {
    const rel = path.relative(this.rootdir, file).split(path.sep).join("/");
    const item = this.byNodeId.get(rel);
    if (!item) return;
    for (const id of [...this.byNodeId.keys()]) if (id === rel || id.startsWith(rel + "::")) this.byNodeId.delete(id);
    item.parent?.children.delete(item.id);
  }
}
