// The modules a file's top-level statements add to `pytest_plugins`: read by the index (which
// fixtures a test sees) and by the fixes (where else a narrowed fixture is requested).
import type { Node } from "web-tree-sitter";
import { stringValue } from "./value";

const NAME = "pytest_plugins";

/** The module names one top-level statement adds to pytest_plugins, as written: `= "a"`,
 * `= ["a", "b"]` or a tuple (annotated or chained too), `+= [...]`, `.append("a")`,
 * `.extend([...])`, and the literal parts of a sum or a starred list (`BASE + ["c"]`,
 * `[*BASE, "c"]` give "c"). Every statement's names count: a later `=` replacing an earlier
 * list is rare, and a module too many only widens which fixtures are looked at. */
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
    return named && right ? literalNames(right) : [];
  }
  if (e.type === "augmented_assignment") {
    const right = e.childForFieldName("right");
    return e.childForFieldName("left")?.text === NAME && right ? literalNames(right) : [];
  }
  if (e.type === "call") {
    const fn = e.childForFieldName("function");
    const method = fn?.type === "attribute" && fn.childForFieldName("object")?.text === NAME ? fn.childForFieldName("attribute")?.text : undefined;
    if (method !== "append" && method !== "extend") return [];
    const args = e.childForFieldName("arguments")?.namedChildren ?? [];
    return args.length === 1 && args[0] ? literalNames(args[0]) : [];
  }
  return [];
}

const CONTAINERS = new Set(["list", "tuple", "parenthesized_expression", "expression_list", "list_splat", "binary_operator"]);

function literalNames(n: Node): string[] {
  if (n.type === "string" || n.type === "concatenated_string") {
    const s = stringValue(n);
    return s !== undefined && /^[\w.]+$/.test(s) ? [s] : [];
  }
  if (!CONTAINERS.has(n.type)) return [];
  if (n.type === "binary_operator" && n.childForFieldName("operator")?.text !== "+") return [];
  return n.namedChildren.flatMap((c) => (c ? literalNames(c) : []));
}
