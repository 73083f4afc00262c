// Full index of a workspace folder: walk, then parse on worker threads (one parser each),
// falling back to this thread when workers cannot start. Then file-by-file updates.
import * as fs from "node:fs";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { pythonParser } from "../pyparse";
import { userFiles } from "../skip";
import type { FileFacts } from "./facts";
import { ProjectIndex } from "./project";
import { DEFAULT_MAX_BYTES, factsFromBytes } from "./read";
import { findPythonFiles } from "./walk";
import type { WorkerInit, WorkerReply } from "./worker";

export interface IndexProgress {
  done: number; // files indexed
  total: number;
}

export interface IndexOptions {
  onProgress?: (p: IndexProgress) => void;
  signal?: AbortSignal;
  /** Worker threads; 0 parses on this thread. Default 2. */
  workers?: number;
  /** Path of the worker entry (dist/indexWorker.js in the bundle). Default: next to this module. */
  workerScript?: string;
  /** Folder holding tree-sitter.wasm and tree-sitter-python.wasm, for the workers. */
  wasmDir?: string;
  maxFileBytes?: number;
  /** Files to index instead of walking `root` (root-relative). */
  files?: string[];
  /** Adds to this index instead of a new one (the CLI indexes a run's test files late). */
  into?: ProjectIndex;
  batchSize?: number;
  /** Told why the workers gave up (the index is then finished on this thread). */
  onWorkerError?: (message: string) => void;
}

export function defaultWorkerScript(): string {
  const bundled = path.join(__dirname, "indexWorker.js");
  return fs.existsSync(bundled) ? bundled : path.join(__dirname, "worker.js");
}

export async function indexWorkspace(root: string, options: IndexOptions = {}): Promise<ProjectIndex> {
  const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_BYTES;
  const index = options.into ?? new ProjectIndex({ maxFileBytes: maxBytes });
  const walkOpts = options.signal ? { signal: options.signal } : {};
  const files = options.files ?? (await findPythonFiles(root, walkOpts));
  const total = files.length;
  let done = 0;
  const accept = (facts: FileFacts[]): void => {
    for (const f of facts) index.setFacts(f);
    done += facts.length;
    options.onProgress?.({ done, total });
  };
  const workers = Math.min(options.workers ?? 2, Math.ceil(total / 8));
  if (workers > 0) {
    const init: WorkerInit = { root, maxBytes };
    if (options.wasmDir !== undefined) init.wasmDir = options.wasmDir;
    const ok = await runPool(files, workers, options.workerScript ?? defaultWorkerScript(), init, options.batchSize ?? 24, accept, options.signal, options.onWorkerError);
    if (ok) return index;
    // workers failed: index what is left here
  }
  const parser = await pythonParser(options.wasmDir);
  for (const rel of files) {
    if (options.signal?.aborted) break;
    if (index.fileFacts(rel)) continue;
    let bytes: Uint8Array;
    try {
      bytes = await fs.promises.readFile(path.join(root, rel));
    } catch {
      continue;
    }
    accept([factsFromBytes(parser, rel, bytes, maxBytes)]);
  }
  return index;
}

/** Re-indexes changed files alone and forgets deleted ones (absolute paths). Changed files the
 * walk would skip (virtualenvs, caches, git-ignored) stay out; an unreadable one goes to `onError`. */
export async function updateWorkspaceIndex(
  index: ProjectIndex,
  root: string,
  changed: readonly string[],
  deleted: readonly string[],
  onError?: (rel: string, err: unknown) => void,
): Promise<void> {
  const rel = (f: string) => path.relative(root, f).split(path.sep).join("/");
  for (const f of deleted) index.removeFile(rel(f));
  for (const f of await userFiles(root, changed)) {
    try {
      await index.updateFile(rel(f), await fs.promises.readFile(f));
    } catch (err) {
      onError?.(rel(f), err);
    }
  }
}

/** Feeds batches to `count` workers; false when the workers could not do the job. */
function runPool(
  files: string[],
  count: number,
  script: string,
  init: WorkerInit,
  batchSize: number,
  accept: (facts: FileFacts[]) => void,
  signal: AbortSignal | undefined,
  onError: ((message: string) => void) | undefined,
): Promise<boolean> {
  return new Promise((resolve) => {
    const batches: string[][] = [];
    for (let i = 0; i < files.length; i += batchSize) batches.push(files.slice(i, i + batchSize));
    let next = 0;
    let pending = batches.length;
    let finished = false;
    const pool: Worker[] = [];
    const finish = (ok: boolean): void => {
      if (finished) return;
      finished = true;
      signal?.removeEventListener("abort", onAbort);
      for (const w of pool) void w.terminate();
      resolve(ok);
    };
    const onAbort = (): void => finish(true);
    signal?.addEventListener("abort", onAbort);
    if (pending === 0) return finish(true);
    const feed = (w: Worker): void => {
      const batch = batches[next];
      if (batch === undefined) return;
      w.postMessage({ id: next++, files: batch });
    };
    for (let i = 0; i < count; i++) {
      let w: Worker;
      try {
        w = new Worker(script, { workerData: init });
      } catch (err) {
        onError?.(`worker did not start: ${String(err)}`);
        return finish(false);
      }
      pool.push(w);
      w.on("message", (reply: WorkerReply) => {
        if ("error" in reply) {
          onError?.(`worker failed: ${String(reply.error)}`);
          return finish(false);
        }
        accept(JSON.parse(reply.json) as FileFacts[]);
        if (--pending === 0) return finish(true);
        if (signal?.aborted) return finish(true);
        feed(w);
      });
      w.on("error", (err) => {
        onError?.(`worker crashed: ${String(err)}`);
        finish(false);
      });
      feed(w);
    }
  });
}
