// Worker-thread entry: reads, parses and extracts batches of files with its own parser.
// Built to out/src/core/index/worker.js by tsc and to dist/indexWorker.js by esbuild.
import * as fs from "node:fs";
import * as path from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import { pythonParser } from "../pyparse";
import { emptyFacts } from "./facts";
import { factsFromBytes } from "./read";

export interface WorkerInit {
  root: string;
  maxBytes: number;
  wasmDir?: string;
}

export interface WorkerRequest {
  id: number;
  files: string[];
}

/** Facts travel as one JSON string: cheaper to decode than a structured clone of many objects. */
export type WorkerReply = { id: number; json: string } | { id: number; error: string };

const init = workerData as WorkerInit;
const port = parentPort;

if (port) {
  const ready = init.wasmDir !== undefined ? pythonParser(init.wasmDir) : pythonParser();
  port.on("message", (req: WorkerRequest) => {
    ready.then(
      (parser) => {
        const facts = req.files.map((rel) => {
          try {
            return factsFromBytes(parser, rel, fs.readFileSync(path.join(init.root, rel)), init.maxBytes);
          } catch (err) {
            const f = emptyFacts(rel, 0);
            f.skipped = `unreadable: ${err instanceof Error ? err.message : String(err)}`;
            return f;
          }
        });
        port.postMessage({ id: req.id, json: JSON.stringify(facts) } satisfies WorkerReply);
      },
      (err: unknown) => port.postMessage({ id: req.id, error: String(err) } satisfies WorkerReply),
    );
  });
}
