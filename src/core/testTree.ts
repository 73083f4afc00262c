// Builds the Test Explorer tree (folder → file → class → function → parametrized case) from the
// plugin's `collected` / `collect_error` messages. Pure data, so the adapter stays thin.
import * as path from "node:path";
import type { Message, Range } from "./protocol";

export type NodeKind = "folder" | "file" | "class" | "function" | "case";

export interface TestNode {
  id: string; // pytest node id; folders use their path relative to rootdir
  kind: NodeKind;
  label: string;
  file?: string; // absolute path
  range?: Range;
  error?: string; // collection error shown on the item: its exception line
  errorDetail?: string; // and pytest's full report of it
  children: TestNode[];
}

type Collected = Extract<Message, { type: "collected" }>;
type CollectError = Extract<Message, { type: "collect_error" }>;

/** Splits a node id on "::" outside parametrize brackets (ids like "f[a::b]" exist). */
export function splitNodeId(nodeid: string): string[] {
  const bracket = nodeid.indexOf("[");
  const head = bracket >= 0 ? nodeid.slice(0, bracket) : nodeid;
  const parts = head.split("::");
  if (bracket >= 0) parts[parts.length - 1] += nodeid.slice(bracket);
  return parts;
}

/**
 * Ids of a node and its ancestors, outermost first: "a/b/test_x.py::C::test_y[1]" gives
 * "a", "a/b", "a/b/test_x.py", "a/b/test_x.py::C", "a/b/test_x.py::C::test_y" (the function,
 * which pytest does not report as a node for parametrized tests) and the case itself.
 */
export function ancestorIds(nodeid: string): string[] {
  const [file = "", ...rest] = splitNodeId(nodeid);
  const ids: string[] = [];
  const parts = file.split("/").filter(Boolean);
  for (let i = 1; i <= parts.length; i++) ids.push(parts.slice(0, i).join("/"));
  let cur = file;
  for (const r of rest) {
    const bracket = r.indexOf("[");
    if (bracket > 0 && r.endsWith("]")) ids.push(`${cur}::${r.slice(0, bracket)}`);
    ids.push((cur = `${cur}::${r}`));
  }
  return ids;
}

function labelOf(id: string): string {
  const last = id.includes("::") ? id.slice(id.lastIndexOf("::") + 2) : id.slice(id.lastIndexOf("/") + 1);
  const bracket = last.indexOf("[");
  // A parametrized case shows just its id, under the function node.
  return bracket > 0 && last.endsWith("]") ? last.slice(bracket) : last;
}

function kindOf(id: string, nodeid: string, leafKind: NodeKind): NodeKind {
  const file = splitNodeId(nodeid)[0] ?? "";
  if (id.length <= file.length) return id === file ? "file" : "folder";
  if (id === nodeid) return leafKind;
  if (/\]$/.test(id)) return "case";
  // The synthetic parent of a parametrized case is its function.
  return nodeid.startsWith(id + "[") ? "function" : "class";
}

export class TestTreeBuilder {
  private readonly nodes = new Map<string, TestNode>();
  readonly roots: TestNode[] = [];

  constructor(private readonly rootdir: string) {}

  add(msg: Collected | CollectError): void {
    const leafKind = msg.type === "collected" ? msg.kind : "file";
    const ids = ancestorIds(msg.nodeid);
    let parent: TestNode | undefined;
    for (const id of ids) {
      let node = this.nodes.get(id);
      if (!node) {
        node = { id, kind: kindOf(id, msg.nodeid, leafKind), label: labelOf(id), children: [] };
        if (node.kind !== "folder") node.file = path.join(this.rootdir, id.split("::")[0] ?? "");
        this.nodes.set(id, node);
        (parent ? parent.children : this.roots).push(node);
      }
      parent = node;
    }
    if (!parent) return;
    if (msg.type === "collected") {
      if (msg.range) parent.range = msg.range;
      if (msg.file) parent.file = msg.file;
      if (msg.kind === "function" || msg.kind === "case") parent.kind = msg.kind;
    } else {
      parent.error = msg.message;
      if (msg.longrepr) parent.errorDetail = msg.longrepr;
      if (msg.file) parent.file = msg.file;
    }
  }

  get(id: string): TestNode | undefined {
    return this.nodes.get(id);
  }
}
