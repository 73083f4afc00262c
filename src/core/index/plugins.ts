// The modules a file adds to `pytest_plugins`: read by the index (which fixtures a test sees) and
// by the fixes (where else a narrowed fixture is requested).
import type { Node } from "web-tree-sitter";
import { stringValue } from "./value";

const NAME = "pytest_plugins";

/** Every module name `statements` (a module's, index/top.ts) add to pytest_plugins, in order, once. */
export function pluginNames(statements: readonly Node[]): string[] {
  return [...new Set(statements.flatMap(pluginNamesAdded))];
}

/** The module names one top-level statement adds to pytest_plugins, as pytest reads them (the
 * module's attribute after import: a string is split on commas, a sequence taken item by item):
 * `= "a,b"`, `= ["a", "b"]` or a tuple (annotated or chained too), `+= [...]`, `.append("a")`,
 * `.extend([...])`, and the literal items of a sum or a starred list (`BASE + ["c"]`,
 * `[*BASE, "c"]` give "c"). Every statement's names count: a later `=` replacing an earlier list
 * is rare, and a module too many only widens which fixtures are looked at. */
export function pluginNamesAdded(st: Node): string[] {
  const e = st.type === "expression_statement" ? st.namedChild(0) : null;
  if (!e) return [];
  if (e.type === "assignment") {
    let a: Node | null = e;
    let named = false;
    let right: Node | null = null;
    while (a?.type === "assignment") {
      named ||= a.childForFieldName("left")?.text === NAME;
      right = a.childForFieldName("right");
      a = right;
    }
    if (!named || !right) return [];
    return isString(right) ? moduleNames(stringValue(right)?.split(",") ?? []) : itemNames(right);
  }
  if (e.type === "augmented_assignment") {
    const right = e.childForFieldName("right");
    const plus = e.childForFieldName("operator")?.text === "+=";
    return plus && e.childForFieldName("left")?.text === NAME && right ? itemNames(right) : [];
  }
  if (e.type === "call") {
    const fn = e.childForFieldName("function");
    const method = fn?.type === "attribute" && fn.childForFieldName("object")?.text === NAME ? fn.childForFieldName("attribute")?.text : undefined;
    const args = e.childForFieldName("arguments")?.namedChildren ?? [];
    const arg = args.length === 1 ? args[0] : undefined;
    if (!arg) return [];
    // append takes one name; extend, like +=, a sequence (a string there would add its letters)
    if (method === "append") return isString(arg) ? moduleNames([stringValue(arg)]) : [];
    if (method === "extend") return itemNames(arg);
  }
  return [];
}

function isString(n: Node): boolean {
  return n.type === "string" || n.type === "concatenated_string";
}

/** The string items of a list or tuple literal, of the sequences a `+` sums, and beside `*x`. */
function itemNames(n: Node): string[] {
  if (n.type === "parenthesized_expression") return n.namedChildren.flatMap((c) => (c ? itemNames(c) : []));
  if (n.type === "binary_operator") {
    if (n.childForFieldName("operator")?.text !== "+") return [];
    return [n.childForFieldName("left"), n.childForFieldName("right")].flatMap((c) => (c ? itemNames(c) : []));
  }
  if (n.type !== "list" && n.type !== "tuple" && n.type !== "expression_list") return [];
  return moduleNames(n.namedChildren.map((c) => (c && isString(c) ? stringValue(c) : undefined)));
}

function moduleNames(items: ReadonlyArray<string | undefined>): string[] {
  return items.flatMap((s) => {
    const name = s?.trim();
    return name && /^[\w.]+$/.test(name) ? [name] : [];
  });
}
