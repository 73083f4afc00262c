// Finding the statements a fix edits, in a tree-sitter Python tree.
import type { Node, Tree } from "web-tree-sitter";
import { withPythonTree } from "../pyparse";
import { edit, nextLine } from "./text";
import type { TextEdit } from "./model";

export type { Node };

export function withTree<T>(text: string, use: (root: Node) => T): Promise<T> {
  return withPythonTree(text, (tree: Tree) => use(tree.rootNode));
}

export function* walk(n: Node): Generator<Node> {
  yield n;
  for (const c of n.namedChildren) if (c) yield* walk(c);
}

export function named(n: Node | null | undefined): Node[] {
  return (n?.namedChildren ?? []).filter((c): c is Node => c !== null);
}

/** A function's parameter names; "fixtures": only those pytest fills with a fixture (no default,
 * no `*args` / `**kwargs`). */
export function parameterNames(def: Node, which: "all" | "fixtures" = "all"): string[] {
  return named(def.childForFieldName("parameters"))
    .filter((p) => which === "all" || p.type === "identifier" || p.type === "typed_parameter")
    .map((p) => (p.type === "identifier" ? p.text : (named(p).find((c) => c.type === "identifier")?.text ?? "")));
}

export function nameOf(def: Node): string {
  return def.childForFieldName("name")?.text ?? "";
}

/** A class or function definition with that name, anywhere in the file; the one on `line0` first. */
export function definition(root: Node, type: "class_definition" | "function_definition", name: string, line0?: number): Node | undefined {
  let found: Node | undefined;
  for (const n of walk(root)) {
    if (n.type !== type || nameOf(n) !== name) continue;
    if (line0 === undefined || n.startPosition.row === line0) return n;
    found ??= n;
  }
  return found;
}

/** The innermost function whose span holds the 0-based line. */
export function functionAround(root: Node, line0: number): Node | undefined {
  let best: Node | undefined;
  for (const n of walk(root)) {
    if (n.type === "function_definition" && n.startPosition.row <= line0 && n.endPosition.row >= line0) best = n;
  }
  return best;
}

/** The decorated_definition around a definition, or the definition itself. */
export function outer(def: Node): Node {
  return def.parent?.type === "decorated_definition" ? def.parent : def;
}

export function decorators(def: Node): Node[] {
  return def.parent?.type === "decorated_definition" ? named(def.parent).filter((c) => c.type === "decorator") : [];
}

export function isFixture(def: Node): boolean {
  return decorators(def).some((d) => /^@\s*(pytest\.|pytest_asyncio\.)?fixture\b/.test(d.text));
}

export function body(def: Node): Node[] {
  return named(def.childForFieldName("body"));
}

/** `name = value` (or `name: T = value`) among a block's statements. */
export function assignment(statements: readonly Node[], name: string): Node | undefined {
  for (const st of statements) {
    const a = st.type === "expression_statement" ? st.namedChild(0) : null;
    if (a?.type === "assignment" && a.childForFieldName("left")?.text === name && a.childForFieldName("right")) return a;
  }
  return undefined;
}

/** The callee's last dotted part: `create_engine` for `sa.create_engine(...)`. */
export function calleeName(call: Node): string {
  const fn = call.childForFieldName("function");
  if (!fn) return "";
  return fn.type === "attribute" ? (fn.childForFieldName("attribute")?.text ?? "") : fn.text;
}

export function keyword(call: Node, name: string): Node | undefined {
  for (const a of named(call.childForFieldName("arguments"))) {
    if (a.type === "keyword_argument" && a.childForFieldName("name")?.text === name) return a;
  }
  return undefined;
}

/** A plain string literal's parts: quote, body and prefix; undefined for f-strings and concatenations. */
export function stringParts(n: Node): { prefix: string; quote: string; content: string } | undefined {
  if (n.type !== "string" || named(n).some((c) => c.type === "interpolation")) return undefined;
  const m = /^([rRuUbB]*)("""|'''|"|')([\s\S]*)\2$/.exec(n.text);
  if (!m || /[bB]/.test(m[1] ?? "")) return undefined;
  return { prefix: m[1] ?? "", quote: m[2] ?? '"', content: m[3] ?? "" };
}

/**
 * How the file names `from <module> import <name>`, adding the import when the file has none:
 * the name to write and the edit (if any). A module-level `import <module>` is used as is.
 */
export function imported(root: Node, text: string, file: string, module: string, name: string): { ref: string; edit?: TextEdit } {
  let lastImport: Node | undefined;
  let samePackage: Node | undefined;
  let sameModule: Node | undefined;
  const pkg = module.split(".")[0] ?? module;
  for (const st of named(root)) {
    if (st.type === "import_from_statement" && st.childForFieldName("module_name")?.text === module) {
      for (const n of st.childrenForFieldName("name")) {
        if (!n) continue;
        if (n.type === "dotted_name" && n.text === name) return { ref: name };
        if (n.type === "aliased_import" && n.childForFieldName("name")?.text === name) return { ref: n.childForFieldName("alias")?.text ?? name };
      }
      if (!named(st).some((c) => c.type === "wildcard_import")) sameModule ??= st;
    }
    if (st.type === "import_statement") {
      for (const n of st.childrenForFieldName("name")) {
        if (n?.type === "dotted_name" && n.text === module) return { ref: `${module}.${name}` };
        if (n?.type === "aliased_import" && n.childForFieldName("name")?.text === module) return { ref: `${n.childForFieldName("alias")?.text ?? module}.${name}` };
      }
    }
    if (st.type === "import_statement" || st.type === "import_from_statement" || st.type === "future_import_statement") {
      lastImport = st;
      const from = st.type === "import_from_statement" ? st.childForFieldName("module_name")?.text : st.namedChild(0)?.text;
      if (from === pkg || from?.startsWith(`${pkg}.`)) samePackage = st;
    }
  }
  const title = `import ${name}`;
  if (sameModule) {
    // `from sqlalchemy import create_engine` → `from sqlalchemy import create_engine, event`
    const names = sameModule.childrenForFieldName("name").filter((n): n is Node => !!n);
    const last = names[names.length - 1];
    if (last) return { ref: name, edit: edit(file, text, last.endIndex, last.endIndex, `, ${name}`, title) };
  }
  const after = samePackage ?? lastImport;
  const at = after ? nextLine(text, after.endIndex) : docstringEnd(root, text);
  return { ref: name, edit: edit(file, text, at, at, `from ${module} import ${name}\n`, title) };
}

/** Where a plain `import x` may go: after the docstring and any `from __future__` imports. */
export function importPoint(root: Node, text: string): number {
  let at = docstringEnd(root, text);
  for (const st of named(root)) if (st.type === "future_import_statement") at = nextLine(text, st.endIndex);
  return at;
}

/** Whether the module binds `name` at its top level (a def, a class, an assignment or an import). */
export function bindsName(root: Node, name: string): boolean {
  for (const st of named(root)) {
    const inner = st.type === "decorated_definition" ? st.childForFieldName("definition") : st;
    if ((inner?.type === "function_definition" || inner?.type === "class_definition") && inner.childForFieldName("name")?.text === name) return true;
    if (st.type === "expression_statement" && st.namedChild(0)?.type === "assignment" && st.namedChild(0)?.childForFieldName("left")?.text === name) return true;
    if (st.type === "import_from_statement" || st.type === "import_statement") {
      for (const n of st.childrenForFieldName("name")) {
        const bound = n?.type === "aliased_import" ? n.childForFieldName("alias")?.text : n?.text.split(".")[0];
        if (bound === name) return true;
      }
    }
  }
  return false;
}

/** Where an import may go in a file without imports: after its docstring. */
function docstringEnd(root: Node, text: string): number {
  const first = root.namedChild(0);
  if (first?.type === "expression_statement" && first.namedChild(0)?.type === "string") return nextLine(text, first.endIndex);
  return 0;
}
