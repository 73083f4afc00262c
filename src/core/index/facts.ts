// Per-file facts: what one Python file says on its own, before any cross-file resolution.
// Plain JSON (they cross worker_threads and may be cached). Lines are 0-based; paths are
// relative to the workspace root with "/" separators.

/**
 * A summary of an expression. Dotted names carry `q`, the name qualified through the file's
 * own imports and top-level definitions ("factory.alchemy.SQLAlchemyModelFactory",
 * "app.models.User"); names the file does not bind stay as written.
 */
export type Value =
  | { k: "str"; v: string }
  | { k: "num"; v: number }
  | { k: "bool"; v: boolean }
  | { k: "none" }
  | { k: "name"; q: string; t: string }
  | { k: "attr"; obj: Value; a: string }
  | { k: "call"; q: string; fn: Value; args: Value[]; kw: Kwarg[]; line: number; end: number }
  | { k: "seq"; items: Value[] }
  | { k: "dict"; items: Array<[Value, Value]> }
  | { k: "other"; t: string };

export interface Kwarg {
  name: string; // "" for **splat
  value: Value;
}

export interface Span {
  line: number; // first line (a definition's first decorator)
  end: number; // end line (inclusive)
}

/** Definitions also keep the line of their `def`/`class` keyword. */
export interface DefSpan extends Span {
  defLine: number;
}

/** A definition in a file of the project (relative path), with its span. */
export interface DefSite extends DefSpan {
  file: string;
}

export interface Binding {
  name: string; // local name
  target: string; // qualified target: "factory.alchemy.SQLAlchemyModelFactory", "app.models"
  line: number;
}

export interface VarFact extends Span {
  name: string;
  value: Value;
  annotation?: string;
}

export type OpKind =
  | "create_engine"
  | "sessionmaker"
  | "session"
  | "scoped_session"
  | "begin"
  | "begin_nested"
  | "rollback"
  | "close"
  | "commit"
  | "flush"
  | "add"
  | "create_all"
  | "drop_all"
  | "connect"
  | "dispose"
  | "remove"
  | "yield"
  | "super_call" // super()._create(...) and friends
  | "meta_assign"; // cls._meta.<attr> = value

/** A database-relevant statement inside a function body, in source order. */
export interface Op extends Span {
  op: OpKind;
  recv?: string; // receiver as written: "session" in session.commit()
  recvValue?: Value; // receiver after following the function's local assignments
  call?: Value; // the call itself (callee, args, kwargs), locals followed
  attr?: string; // meta_assign: which _meta attribute; super_call: which method
  value?: Value; // meta_assign: assigned value; yield: yielded value
}

/** A call that may instantiate a factory: `X(...)`, `X.create(...)`, `X.create_batch(n, ...)`. */
export interface CallFact extends Span {
  callee: string; // qualified class-like reference
  t: string; // as written
  method: "call" | "create" | "build" | "create_batch" | "build_batch";
  batch?: Value;
  kw: Kwarg[];
}

export interface FuncFact extends DefSpan {
  name: string;
  params: string[];
  decorators: Value[];
  isAsync: boolean;
  ops: Op[];
  calls: CallFact[];
  returns: Value[];
  locals: VarFact[]; // simple assignments to plain names, in order
  varkw?: string; // name of the `**kwargs` parameter
  attrSets?: string[]; // locals whose attributes the body assigns (`user.name = ...`)
}

export interface ClassFact extends DefSpan {
  name: string;
  bases: Value[];
  decorators: Value[];
  attrs: VarFact[]; // class-level assignments (incl. annotated without value: value {k:"none"}, annotation set)
  bare: VarFact[]; // annotations without a value: `id: Mapped[int]`
  meta?: ClassFact; // inner `class Meta`
  methods: FuncFact[];
  classes: ClassFact[]; // other nested classes
}

export interface FileFacts {
  path: string;
  module: string; // dotted, from the path
  lines: number;
  skipped?: string; // why the file was not parsed
  notes: string[];
  errorLines: number[]; // rows of syntax errors (first few)
  bindings: Binding[]; // imports
  vars: VarFact[]; // module-level assignments
  classes: ClassFact[]; // top-level classes
  functions: FuncFact[]; // top-level functions
  pytestPlugins: string[];
}

export function moduleOf(relPath: string): string {
  const noExt = relPath.replace(/\\/g, "/").replace(/\.pyi?$/, "");
  const parts = noExt.split("/").filter((p) => p && p !== ".");
  if (parts[parts.length - 1] === "__init__") parts.pop();
  return parts.join(".");
}

export function emptyFacts(relPath: string, lines: number): FileFacts {
  return {
    path: relPath,
    module: moduleOf(relPath),
    lines,
    notes: [],
    errorLines: [],
    bindings: [],
    vars: [],
    classes: [],
    functions: [],
    pytestPlugins: [],
  };
}

/** Text of a value as it would read in source (approximate; for display and matching). */
export function valueText(v: Value): string {
  switch (v.k) {
    case "str":
      return JSON.stringify(v.v);
    case "num":
      return String(v.v);
    case "bool":
      return v.v ? "True" : "False";
    case "none":
      return "None";
    case "name":
      return v.t;
    case "attr":
      return `${valueText(v.obj)}.${v.a}`;
    case "call": {
      if (v.q === "+") return v.args.map(valueText).join(" + ");
      if (v.q.endsWith(".__getitem__")) return `${valueText(v.fn)}[${v.args.map(valueText).join(", ")}]`;
      const args = [...v.args.map(valueText), ...v.kw.map((k) => (k.name ? `${k.name}=` : "**") + valueText(k.value))];
      return `${valueText(v.fn)}(${args.join(", ")})`;
    }
    case "seq":
      return `(${v.items.map(valueText).join(", ")})`;
    case "dict":
      return `{${v.items.map(([a, b]) => `${valueText(a)}: ${valueText(b)}`).join(", ")}}`;
    case "other":
      return v.t;
  }
}

export function kwarg(v: { kw: Kwarg[] }, name: string): Value | undefined {
  for (const k of v.kw) if (k.name === name) return k.value;
  return undefined;
}

/** The literal behind a value, when it is one. */
export function literal(v: Value | undefined): string | number | boolean | null | undefined {
  if (!v) return undefined;
  if (v.k === "str" || v.k === "num" || v.k === "bool") return v.v;
  if (v.k === "none") return null;
  return undefined;
}
