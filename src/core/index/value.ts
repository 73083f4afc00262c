// Turns tree-sitter expression nodes into `Value` summaries, qualifying dotted names through
// the file's bindings and (inside functions) following local assignments.
import type { Node } from "web-tree-sitter";
import type { Kwarg, Value } from "./facts";

const MAX_DEPTH = 8;
const MAX_ITEMS = 40;
const MAX_TEXT = 160;

export interface Scope {
  /** Module-level names: imports and top-level definitions → qualified target. */
  bindings: Map<string, string>;
  /** Function locals assigned so far (followed when an identifier is read). */
  locals?: Map<string, Value>;
  /** Function parameters: never qualified through module bindings. */
  params?: Set<string>;
  /** Call values already built in this function, by start offset (assignments convert first). */
  calls?: Map<number, Value>;
  /** Package of the module, for relative imports inside functions. */
  pkg?: string;
}

export function kids(node: Node): Node[] {
  const out: Node[] = [];
  for (const c of node.namedChildren) if (c) out.push(c);
  return out;
}

export function field(node: Node, name: string): Node | undefined {
  return node.childForFieldName(name) ?? undefined;
}

/** Start and length: `a.b().c()` and its inner `a.b()` start at the same offset. */
export function callKey(node: Node): number {
  const start = node.startIndex;
  return start * 4194304 + (node.endIndex - start);
}

export function qualify(dotted: string, scope: Scope): string {
  const dot = dotted.indexOf(".");
  const head = dot < 0 ? dotted : dotted.slice(0, dot);
  if (scope.params?.has(head) || scope.locals?.has(head)) return dotted;
  const target = scope.bindings.get(head);
  if (target === undefined) return dotted;
  return dot < 0 ? target : target + dotted.slice(dot);
}

/** "a.b.c" when the node is a plain chain of identifiers, else undefined. */
export function dottedText(node: Node): string | undefined {
  if (node.type === "identifier") return node.text;
  if (node.type === "attribute") {
    const obj = field(node, "object");
    const attr = field(node, "attribute");
    if (!obj || !attr) return undefined;
    const left = dottedText(obj);
    return left === undefined ? undefined : `${left}.${attr.text}`;
  }
  return undefined;
}

function cut(text: string): string {
  return text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) + "…" : text;
}

const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", "\\": "\\", "'": "'", '"': '"', "0": "\0" };

/** The value of a string literal without interpolation; undefined for f-strings with fields. */
export function stringValue(node: Node): string | undefined {
  if (node.type === "concatenated_string") {
    let out = "";
    for (const part of kids(node)) {
      const s = stringValue(part);
      if (s === undefined) return undefined;
      out += s;
    }
    return out;
  }
  if (node.type !== "string") return undefined;
  let out = "";
  let raw = false;
  for (const part of kids(node)) {
    switch (part.type) {
      case "string_start":
        raw = /r/i.test(part.text);
        break;
      case "string_content":
        out += part.text;
        break;
      case "escape_sequence": {
        const t = part.text;
        out += raw ? t : (ESCAPES[t.slice(1)] ?? t);
        break;
      }
      case "interpolation":
        return undefined;
    }
  }
  return out;
}

function followLocal(name: string, scope: Scope): Value | undefined {
  return scope.params?.has(name) ? undefined : scope.locals?.get(name);
}

export function toValue(node: Node, scope: Scope, depth = 0): Value {
  if (depth > MAX_DEPTH) return { k: "other", t: cut(node.text) };
  switch (node.type) {
    case "identifier": {
      const local = followLocal(node.text, scope);
      if (local) return local;
      return { k: "name", q: qualify(node.text, scope), t: node.text };
    }
    case "attribute": {
      const dotted = dottedText(node);
      if (dotted !== undefined) {
        const head = dotted.split(".", 1)[0] ?? dotted;
        const local = followLocal(head, scope);
        if (!local) return { k: "name", q: qualify(dotted, scope), t: dotted };
        let v: Value = local;
        for (const a of dotted.split(".").slice(1)) v = { k: "attr", obj: v, a };
        return v;
      }
      const obj = field(node, "object");
      const attr = field(node, "attribute");
      if (!obj || !attr) return { k: "other", t: cut(node.text) };
      return { k: "attr", obj: toValue(obj, scope, depth + 1), a: attr.text };
    }
    case "call": {
      const key = callKey(node);
      const hit = scope.calls?.get(key);
      if (hit) return hit;
      const v = callValue(node, scope, depth);
      scope.calls?.set(key, v);
      return v;
    }
    case "string":
    case "concatenated_string": {
      const s = stringValue(node);
      return s === undefined ? { k: "other", t: cut(node.text) } : { k: "str", v: s };
    }
    case "integer":
    case "float": {
      const n = Number(node.text.replace(/_/g, ""));
      return Number.isNaN(n) ? { k: "other", t: node.text } : { k: "num", v: n };
    }
    case "true":
      return { k: "bool", v: true };
    case "false":
      return { k: "bool", v: false };
    case "none":
      return { k: "none" };
    case "unary_operator": {
      const arg = field(node, "argument");
      if (arg && node.text.startsWith("-") && (arg.type === "integer" || arg.type === "float")) {
        return { k: "num", v: -Number(arg.text.replace(/_/g, "")) };
      }
      return { k: "other", t: cut(node.text) };
    }
    case "parenthesized_expression": {
      const inner = kids(node).find((c) => c.type !== "comment");
      return inner ? toValue(inner, scope, depth + 1) : { k: "other", t: cut(node.text) };
    }
    case "list":
    case "tuple":
    case "set":
    case "expression_list":
      return { k: "seq", items: kids(node).slice(0, MAX_ITEMS).filter((c) => c.type !== "comment").map((c) => toValue(c, scope, depth + 1)) };
    case "dictionary": {
      const items: Array<[Value, Value]> = [];
      for (const pair of kids(node).slice(0, MAX_ITEMS)) {
        const key = field(pair, "key");
        const value = field(pair, "value");
        if (pair.type === "pair" && key && value) items.push([toValue(key, scope, depth + 1), toValue(value, scope, depth + 1)]);
      }
      return { k: "dict", items };
    }
    case "binary_operator": {
      // "sqlite:///" + DB_PATH: keep the parts so URL tracing can join them
      const left = field(node, "left");
      const right = field(node, "right");
      const op = field(node, "operator")?.text;
      if (op === "+" && left && right) {
        const l = toValue(left, scope, depth + 1);
        const r = toValue(right, scope, depth + 1);
        if (l.k === "str" && r.k === "str") return { k: "str", v: l.v + r.v };
        if (l.k === "str" || r.k === "str") return { k: "call", q: "+", fn: { k: "name", q: "+", t: "+" }, args: [l, r], kw: [], line: node.startPosition.row, end: node.endPosition.row };
      }
      return { k: "other", t: cut(node.text) };
    }
    case "subscript": {
      // os.environ["DATABASE_URL"] → a call-like value so URL tracing can read it
      const obj = field(node, "value");
      const sub = field(node, "subscript");
      const dotted = obj ? dottedText(obj) : undefined;
      if (dotted !== undefined && sub) {
        const fn: Value = { k: "name", q: qualify(dotted, scope) + ".__getitem__", t: dotted };
        return { k: "call", q: fn.q, fn, args: [toValue(sub, scope, depth + 1)], kw: [], line: node.startPosition.row, end: node.endPosition.row };
      }
      return { k: "other", t: cut(node.text) };
    }
    case "await": {
      const inner = kids(node)[0];
      return inner ? toValue(inner, scope, depth + 1) : { k: "other", t: cut(node.text) };
    }
    default:
      return { k: "other", t: cut(node.text) };
  }
}

export function callValue(node: Node, scope: Scope, depth = 0): Value {
  const fnNode = field(node, "function");
  const fn: Value = fnNode ? toValue(fnNode, scope, depth + 1) : { k: "other", t: "" };
  const args: Value[] = [];
  const kw: Kwarg[] = [];
  const argNode = field(node, "arguments");
  if (argNode && argNode.type === "argument_list") {
    for (const a of kids(argNode).slice(0, MAX_ITEMS)) {
      if (a.type === "keyword_argument") {
        const name = field(a, "name");
        const value = field(a, "value");
        if (name && value) kw.push({ name: name.text, value: toValue(value, scope, depth + 1) });
      } else if (a.type === "dictionary_splat") {
        kw.push({ name: "", value: { k: "other", t: cut(a.text) } });
      } else if (a.type !== "comment") {
        args.push(a.type === "list_splat" ? { k: "other", t: cut(a.text) } : toValue(a, scope, depth + 1));
      }
    }
  }
  return {
    k: "call",
    q: fn.k === "name" ? fn.q : "",
    fn,
    args,
    kw,
    line: node.startPosition.row,
    end: node.endPosition.row,
  };
}
