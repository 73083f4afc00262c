// Test discovery: `pytest --collect-only -q` with our plugin; the tree is built from `collected`.
import type { Message } from "../protocol";
import { TestTreeBuilder } from "../testTree";
import { runPytestProcess, type ExitInfo, type PytestOptions, type RunnerEvent } from "./pytestProcess";

export type Collected = Extract<Message, { type: "collected" }>;
export type CollectError = Extract<Message, { type: "collect_error" }>;

export interface DiscoverResult {
  /** folder → file → class → function → case, collection errors on their files. */
  tree: TestTreeBuilder;
  items: Collected[];
  errors: CollectError[];
  /** pytest's rootdir (node ids are relative to it). */
  rootdir: string;
  exit: ExitInfo;
}

export async function discover(opts: PytestOptions, onEvent?: (e: RunnerEvent) => void): Promise<DiscoverResult> {
  const items: Collected[] = [];
  const errors: CollectError[] = [];
  let rootdir = opts.cwd;
  const exit = await runPytestProcess(opts, ["--collect-only", "-q"], (e) => {
    if (e.type === "message") {
      if (e.message.type === "hello") rootdir = e.message.rootdir;
      if (e.message.type === "collected") items.push(e.message);
      if (e.message.type === "collect_error") errors.push(e.message);
    }
    onEvent?.(e);
  });
  const tree = new TestTreeBuilder(rootdir);
  for (const item of items) tree.add(item);
  for (const err of errors) tree.add(err);
  return { tree, items, errors, rootdir, exit };
}
