// One file → FileFacts. Purely syntactic; cross-file meaning is worked out in resolve.ts and
// friends at query time. Never throws: a broken tree yields what could be read.
import type { Node, Tree } from "web-tree-sitter";
import {
  emptyFacts,
  type Binding,
  type CallFact,
  type ClassFact,
  type FileFacts,
  type FuncFact,
  type Op,
  type OpKind,
  type Value,
  type VarFact,
} from "./facts";
import { pluginNames } from "./plugins";
import { topStatements } from "./top";
import { callKey, callValue, dottedText, field, kids, qualify, toValue, type Scope } from "./value";

const MAX_ERROR_LINES = 20;

const METHOD_OPS = new Set<string>([
  "begin",
  "begin_nested",
  "rollback",
  "close",
  "commit",
  "flush",
  "add",
  "add_all",
  "create_all",
  "drop_all",
  "connect",
  "dispose",
  "remove",
]);
const FACTORY_METHODS = new Set(["create", "build", "create_batch", "build_batch"]);
const MAKERS: Record<string, OpKind> = {
  create_engine: "create_engine",
  create_async_engine: "create_engine",
  sessionmaker: "sessionmaker",
  async_sessionmaker: "sessionmaker",
  scoped_session: "scoped_session",
  async_scoped_session: "scoped_session",
};

export function countLines(text: string): number {
  let n = 1;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

export function extractFacts(relPath: string, tree: Tree, lines: number): FileFacts {
  const facts = emptyFacts(relPath, lines);
  const root = tree.rootNode;
  try {
    if (root.hasError) {
      facts.errorLines = errorRows(root);
      facts.notes.push("syntax errors: partial index");
    }
    const isInit = /(^|\/)__init__\.pyi?$/.test(relPath);
    const pkg = isInit ? facts.module : facts.module.split(".").slice(0, -1).join(".");
    const top = topStatements(root);
    facts.bindings = readImports(top, pkg);
    const scope: Scope = { bindings: new Map(), pkg };
    for (const b of facts.bindings) scope.bindings.set(b.name, b.target);
    for (const st of top) {
      const name = defName(st);
      if (name) scope.bindings.set(name, facts.module ? `${facts.module}.${name}` : name);
    }
    for (const st of top) readTop(st, scope, facts);
    facts.pytestPlugins = pluginNames(top);
  } catch (err) {
    facts.notes.push(`index error: ${err instanceof Error ? err.message : String(err)}`);
  }
  return facts;
}

/** Rows of ERROR and MISSING nodes, found by descending only into subtrees that have errors. */
function errorRows(root: Node): number[] {
  const rows = new Set<number>();
  const visit = (n: Node): void => {
    if (rows.size >= MAX_ERROR_LINES) return;
    if (n.type === "ERROR" || n.isMissing) {
      rows.add(n.startPosition.row);
      return;
    }
    for (const c of n.children) if (c && (c.hasError || c.isMissing)) visit(c);
  };
  visit(root);
  return [...rows].sort((a, b) => a - b);
}

function defName(st: Node): string | undefined {
  const def = st.type === "decorated_definition" ? field(st, "definition") : st;
  if (def && (def.type === "class_definition" || def.type === "function_definition")) return field(def, "name")?.text;
  if (st.type === "expression_statement") {
    const a = kids(st)[0];
    const left = a && a.type === "assignment" ? field(a, "left") : undefined;
    if (left?.type === "identifier") return left.text;
  }
  return undefined;
}

/** Bindings of module-level import statements (function-local ones are read in readFunction). */
function readImports(statements: Node[], pkg: string): Binding[] {
  const out: Binding[] = [];
  for (const st of statements) if (st.type === "import_statement" || st.type === "import_from_statement") importBindings(st, pkg, out);
  return out;
}

function importBindings(st: Node, pkg: string, out: Binding[]): void {
  const line = st.startPosition.row;
  if (st.type === "import_statement") {
    for (const n of st.childrenForFieldName("name")) {
      if (!n) continue;
      if (n.type === "aliased_import") {
        const name = field(n, "name");
        const alias = field(n, "alias");
        if (name && alias) out.push({ name: alias.text, target: name.text, line });
      } else {
        const head = n.text.split(".")[0] ?? n.text;
        out.push({ name: head, target: head, line });
      }
    }
    return;
  }
  const modNode = field(st, "module_name");
  if (!modNode) return;
  const from = modNode.type === "relative_import" ? relative(modNode.text, pkg) : modNode.text;
  for (const n of st.childrenForFieldName("name")) {
    if (!n) continue;
    const name = n.type === "aliased_import" ? field(n, "name")?.text : n.text;
    const alias = n.type === "aliased_import" ? field(n, "alias")?.text : n.text;
    if (name && alias) out.push({ name: alias, target: from ? `${from}.${name}` : name, line });
  }
}

function relative(text: string, pkg: string): string {
  const dots = /^\.*/.exec(text)?.[0].length ?? 0;
  const rest = text.slice(dots);
  const parts = pkg ? pkg.split(".") : [];
  const base = parts.slice(0, Math.max(0, parts.length - (dots - 1)));
  if (rest) base.push(rest);
  return base.join(".");
}

function readTop(st: Node, scope: Scope, facts: FileFacts): void {
  if (st.type === "class_definition" || st.type === "function_definition" || st.type === "decorated_definition") {
    const def = readDefinition(st, scope);
    if (def?.kind === "class") facts.classes.push(def.fact);
    else if (def?.kind === "func") facts.functions.push(def.fact);
    return;
  }
  if (st.type !== "expression_statement") return;
  const v = readAssignment(st, scope)?.fact;
  if (v) facts.vars.push(v);
}

function readAssignment(st: Node, scope: Scope): { fact: VarFact; bare: boolean } | undefined {
  const a = kids(st)[0];
  if (!a || a.type !== "assignment") return undefined;
  const left = field(a, "left");
  if (!left || left.type !== "identifier") return undefined;
  let right = field(a, "right");
  while (right?.type === "assignment") right = field(right, "right"); // a = b = value
  const type = field(a, "type");
  const fact: VarFact = {
    name: left.text,
    value: right ? toValue(right, scope) : { k: "none" },
    line: st.startPosition.row,
    end: st.endPosition.row,
  };
  if (type) fact.annotation = type.text;
  return { fact, bare: !right };
}

type Definition = { kind: "class"; fact: ClassFact } | { kind: "func"; fact: FuncFact };

function readDefinition(st: Node, scope: Scope): Definition | undefined {
  let def: Node | undefined = st;
  const decorators: Value[] = [];
  if (st.type === "decorated_definition") {
    for (const d of kids(st)) {
      if (d.type !== "decorator") continue;
      const expr = kids(d)[0];
      if (expr) decorators.push(toValue(expr, scope));
    }
    def = field(st, "definition");
  }
  if (!def) return undefined;
  const line = st.startPosition.row;
  const end = st.endPosition.row;
  if (def.type === "class_definition") return { kind: "class", fact: readClass(def, scope, decorators, line, end) };
  if (def.type === "function_definition") return { kind: "func", fact: readFunction(def, scope, decorators, line, end) };
  return undefined;
}

function readClass(node: Node, scope: Scope, decorators: Value[], line: number, end: number): ClassFact {
  const fact: ClassFact = {
    name: field(node, "name")?.text ?? "",
    line,
    defLine: node.startPosition.row,
    end,
    bases: [],
    decorators,
    attrs: [],
    bare: [],
    methods: [],
    classes: [],
  };
  const sup = field(node, "superclasses");
  if (sup) for (const b of kids(sup)) if (b.type !== "keyword_argument" && b.type !== "comment") fact.bases.push(toValue(b, scope));
  const body = field(node, "body");
  if (!body) return fact;
  for (const st of kids(body)) {
    if (st.type === "expression_statement") {
      const v = readAssignment(st, scope);
      if (v) (v.bare ? fact.bare : fact.attrs).push(v.fact);
      continue;
    }
    const def = readDefinition(st, scope);
    if (def?.kind === "func") fact.methods.push(def.fact);
    else if (def?.kind === "class") {
      if (def.fact.name === "Meta") fact.meta = def.fact;
      else fact.classes.push(def.fact);
    }
  }
  return fact;
}

function paramNames(params: Node | undefined): string[] {
  const out: string[] = [];
  if (!params) return out;
  for (const p of kids(params)) {
    let n: Node | undefined;
    if (p.type === "identifier") n = p;
    else if (p.type === "default_parameter" || p.type === "typed_default_parameter") n = field(p, "name");
    else if (p.type === "typed_parameter") n = kids(p).find((c) => c.type === "identifier");
    if (n) out.push(n.text);
  }
  return out;
}

function readFunction(node: Node, moduleScope: Scope, decorators: Value[], line: number, end: number): FuncFact {
  const params = paramNames(field(node, "parameters"));
  const scope: Scope = { bindings: moduleScope.bindings, locals: new Map(), params: new Set(params), calls: new Map() };
  const fact: FuncFact = {
    name: field(node, "name")?.text ?? "",
    line,
    defLine: node.startPosition.row,
    end,
    params,
    decorators,
    isAsync: node.child(0)?.type === "async",
    ops: [],
    calls: [],
    returns: [],
    locals: [],
  };
  const paramList = field(node, "parameters");
  const splat = paramList ? kids(paramList).find((p) => p.type === "dictionary_splat_pattern") : undefined;
  if (splat) fact.varkw = kids(splat)[0]?.text ?? "";
  const body = field(node, "body");
  if (!body) return fact;
  const span = (n: Node) => ({ line: n.startPosition.row, end: n.endPosition.row });
  // descendantsOfType groups by type; statements must be read in source order (locals)
  const nodes: Node[] = [];
  const types = ["assignment", "call", "yield", "return_statement", "import_statement", "import_from_statement"];
  for (const n of body.descendantsOfType(types)) if (n?.isNamed) nodes.push(n); // "yield" is also a keyword token
  nodes.sort((a, b) => a.startIndex - b.startIndex);
  let ownBindings = false;
  for (const n of nodes) {
    if (n.type === "import_statement" || n.type === "import_from_statement") {
      // a function-local import binds names for this function only
      const local: Binding[] = [];
      importBindings(n, moduleScope.pkg ?? "", local);
      if (!ownBindings) scope.bindings = new Map(scope.bindings);
      ownBindings = true;
      for (const b of local) scope.bindings.set(b.name, b.target);
    } else if (n.type === "assignment") {
      readLocalAssignment(n, scope, fact);
    } else if (n.type === "yield") {
      const inner = kids(n)[0];
      const op: Op = { op: "yield", ...span(n) };
      if (inner) op.value = toValue(inner, scope);
      fact.ops.push(op);
    } else if (n.type === "return_statement") {
      const inner = kids(n)[0];
      if (inner) fact.returns.push(toValue(inner, scope));
    } else {
      readCall(n, scope, fact, span(n));
    }
  }
  return fact;
}

function readLocalAssignment(n: Node, scope: Scope, fact: FuncFact): void {
  const left = field(n, "left");
  const right = field(n, "right");
  if (!left || !right || right.type === "assignment") return;
  if (left.type === "identifier") {
    const value = toValue(right, scope);
    scope.locals?.set(left.text, value);
    scope.params?.delete(left.text);
    fact.locals.push({ name: left.text, value, line: n.startPosition.row, end: n.endPosition.row });
    return;
  }
  const dotted = left.type === "attribute" ? dottedText(left) : undefined;
  const head = dotted?.split(".", 1)[0];
  if (head !== undefined && head !== "self" && head !== "cls" && !fact.attrSets?.includes(head)) (fact.attrSets ??= []).push(head);
  const m = dotted ? /^(?:cls|self|\w+)\._meta\.(\w+)$/.exec(dotted) : null;
  if (m?.[1]) {
    fact.ops.push({ op: "meta_assign", attr: m[1], value: toValue(right, scope), line: n.startPosition.row, end: n.endPosition.row });
  }
}

const SIMPLE_CALLEE = /^([A-Za-z_][\w.]*)\s*\(/;

function readCall(n: Node, scope: Scope, fact: FuncFact, span: { line: number; end: number }): void {
  // Fast path: decide from the text whether the call matters before touching child nodes
  // (each node access crosses into WASM; most calls in test bodies are irrelevant).
  const text = n.text;
  const m = SIMPLE_CALLEE.exec(text);
  const dotted = m?.[1];
  // `f(x)()` and `f(x).g()` also start with "f(": the first "(" must close at the very end
  if (dotted === undefined || closingParen(text, m?.[0].length ?? 0) !== text.length - 1) return readComplexCall(n, scope, fact, span);
  const dot = dotted.lastIndexOf(".");
  const last = dot < 0 ? dotted : dotted.slice(dot + 1);
  const objText = dot < 0 ? undefined : dotted.slice(0, dot);
  if (objText !== undefined && METHOD_OPS.has(last)) {
    const fnNode = field(n, "function");
    const obj = fnNode ? field(fnNode, "object") : undefined;
    if (obj) fact.ops.push(methodOp(n, obj, last, scope, span));
    return;
  }
  if (objText !== undefined && FACTORY_METHODS.has(last) && /^[A-Z]/.test(objText.slice(objText.lastIndexOf(".") + 1))) {
    fact.calls.push(factoryCall(n, scope, qualify(objText, scope), objText, last as CallFact["method"], span));
    return;
  }
  const maker = MAKERS[last];
  if (maker) fact.ops.push({ op: maker, call: cachedCall(n, scope), ...span });
  else if (/session/i.test(last) && !scope.params?.has(dotted)) fact.ops.push({ op: "session", call: cachedCall(n, scope), ...span });
  else if (/^[A-Z]/.test(last)) fact.calls.push(factoryCall(n, scope, qualify(dotted, scope), dotted, "call", span));
}

/** Index of the ")" matching the "(" just before `from`, skipping string literals. */
function closingParen(text: string, from: number): number {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 40 || c === 91 || c === 123) depth++; // ( [ {
    else if (c === 41 || c === 93 || c === 125) {
      if (--depth === 0) return i;
    } else if (c === 34 || c === 39) {
      // skip a quoted string (triple quotes included: the scan just meets empty strings)
      const q = c;
      for (i++; i < text.length && text.charCodeAt(i) !== q; i++) if (text.charCodeAt(i) === 92) i++;
    }
  }
  return -1;
}

function methodOp(n: Node, obj: Node, method: string, scope: Scope, span: { line: number; end: number }): Op {
  const op: Op = { op: (method === "add_all" ? "add" : method) as OpKind, recv: obj.text, recvValue: toValue(obj, scope), ...span };
  if (method === "begin" || method === "begin_nested" || method === "create_all" || method === "drop_all" || method === "connect") {
    op.call = cachedCall(n, scope);
  }
  return op;
}

/** Calls whose callee is not a plain dotted name: super()._create(...), sessionmaker(...)(). */
function readComplexCall(n: Node, scope: Scope, fact: FuncFact, span: { line: number; end: number }): void {
  const fnNode = field(n, "function");
  if (!fnNode || fnNode.type !== "attribute") return;
  const obj = field(fnNode, "object");
  const method = field(fnNode, "attribute")?.text ?? "";
  if (!obj) return;
  if (obj.type === "call" && field(obj, "function")?.text === "super") {
    fact.ops.push({ op: "super_call", attr: method, call: cachedCall(n, scope), ...span });
  } else if (METHOD_OPS.has(method)) {
    fact.ops.push(methodOp(n, obj, method, scope, span));
  }
}

/** callValue, reusing the conversion made for an enclosing assignment (`x = Call(...)`). */
function cachedCall(n: Node, scope: Scope): Value {
  const key = callKey(n);
  const hit = scope.calls?.get(key);
  if (hit) return hit;
  const v = callValue(n, scope);
  scope.calls?.set(key, v);
  return v;
}

function factoryCall(
  n: Node,
  scope: Scope,
  callee: string,
  t: string,
  method: CallFact["method"],
  span: { line: number; end: number },
): CallFact {
  const v = cachedCall(n, scope);
  const call: CallFact = { callee, t, method, kw: v.k === "call" ? v.kw : [], ...span };
  if ((method === "create_batch" || method === "build_batch") && v.k === "call") {
    const size = v.args[0] ?? v.kw.find((k) => k.name === "size")?.value;
    if (size) call.batch = size;
  }
  return call;
}
