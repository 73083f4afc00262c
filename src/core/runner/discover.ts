// Test discovery: `pytest --collect-only -q` with our plugin; builds the tree from `collected`.
import type { Message } from "../protocol";
import { runPytestProcess, type ExitInfo, type PytestOptions, type RunnerEvent } from "./pytestProcess";

export type Collected = Extract<Message, { type: "collected" }>;
export type CollectError = Extract<Message, { type: "collect_error" }>;

export interface TestNode {
  item: Collected;
  children: TestNode[];
}

export interface DiscoverResult {
  roots: TestNode[]; // files (folders are the caller's business: build them from item.file)
  byId: Map<string, TestNode>;
  errors: CollectError[];
  exit: ExitInfo;
}

export function buildTree(items: readonly Collected[]): Pick<DiscoverResult, "roots" | "byId"> {
  const byId = new Map<string, TestNode>();
  const roots: TestNode[] = [];
  for (const item of items) if (!byId.has(item.nodeid)) byId.set(item.nodeid, { item, children: [] });
  for (const node of byId.values()) {
    const parent = node.item.parent === undefined ? undefined : byId.get(node.item.parent);
    (parent ? parent.children : roots).push(node);
  }
  return { roots, byId };
}

export async function discover(opts: PytestOptions, onEvent?: (e: RunnerEvent) => void): Promise<DiscoverResult> {
  const items: Collected[] = [];
  const errors: CollectError[] = [];
  const exit = await runPytestProcess(opts, ["--collect-only", "-q"], (e) => {
    if (e.type === "message" && e.message.type === "collected") items.push(e.message);
    if (e.type === "message" && e.message.type === "collect_error") errors.push(e.message);
    onEvent?.(e);
  });
  return { ...buildTree(items), errors, exit };
}
