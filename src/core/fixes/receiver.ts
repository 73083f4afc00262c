// What a `<x>.commit()` is called on, for remove-commit (commit.ts): a Session ("flush": it has
// flush()), something without flush() ("no-flush": a Connection from `engine.connect()`, a
// Transaction from `conn.begin()`, a DBAPI connection), or a `with X.begin()` block ("begun": the
// block commits as it ends, whatever the statement becomes). Read from where the name is bound in
// the function, its annotation, or, for a fixture parameter, the fixture that gives it (the same
// file, then the conftest.py files of the folders above and the modules they load with
// pytest_plugins); else from the name.
import type { FixContext } from "./model";
import { conftestsAbove } from "./paths";
import { fixtureName, pluginModules } from "./scope";
import { calleeName, isFixture, named, type Node, parameterNames, walk, withTree } from "./syntax";

export type Receiver = "flush" | "no-flush" | "begun";

const CONNECTION_MAKERS = new Set(["connect", "connection", "raw_connection"]);
export const TRANSACTION_MAKERS = new Set(["begin", "begin_nested", "begin_twophase"]);
const DBAPI_ATTRIBUTES = new Set(["connection", "dbapi_connection", "driver_connection"]);
// names people give connections and transactions, for a receiver nothing else tells about
const CONNECTION_NAME = /^(conn|connection|cnx|cx|con|trans|transaction|tx|txn|raw|raw_conn|dbapi_conn)$|_(conn|connection)$/i;
const MAX_FIXTURE_HOPS = 3;

/** What is known from the function alone: a kind, or the fixture to look up. */
export type Known = Receiver | { fixture: string; byName: Receiver };

export function receiverOf(fn: Node, commitName: Node): Known {
  const receiver = commitName.parent?.childForFieldName("object");
  if (!receiver) return "flush";
  if (receiver.type === "call") return CONNECTION_MAKERS.has(calleeName(receiver)) ? "no-flush" : "flush";
  if (receiver.type === "attribute") {
    const attr = receiver.childForFieldName("attribute")?.text ?? "";
    return DBAPI_ATTRIBUTES.has(attr) || CONNECTION_NAME.test(attr) ? "no-flush" : "flush";
  }
  if (receiver.type !== "identifier") return "flush";
  const name = receiver.text;
  const bound = bindingKind(fn, name);
  if (bound) return bound;
  const annotated = annotationKind(fn, name);
  if (annotated) return annotated;
  const byName: Receiver = CONNECTION_NAME.test(name) ? "no-flush" : "flush";
  return parameterNames(fn, "fixtures").includes(name) ? { fixture: name, byName } : byName;
}

/** Inside a `with X.begin():` block of `fn` (which commits when it ends). */
export function insideBegin(statement: Node, fn: Node): boolean {
  for (let n = statement.parent; n && !n.equals(fn); n = n.parent) {
    if (n.type === "with_statement" && [...walk(n.namedChildren.find((c) => c?.type === "with_clause") ?? n)].some((c) => c.type === "call" && TRANSACTION_MAKERS.has(calleeName(c)))) return true;
  }
  return false;
}

/** Whether `fn` begins a transaction on `receiver` after offset `after` (which a commit left
 * open would refuse: "a transaction is already begun"). */
export function beginsLater(fn: Node, receiver: string, after: number): boolean {
  for (const n of walk(fn)) {
    if (n.type !== "call" || n.startIndex < after || !TRANSACTION_MAKERS.has(calleeName(n))) continue;
    if (n.childForFieldName("function")?.childForFieldName("object")?.text === receiver) return true;
  }
  return false;
}

/** The kind of the value `name` is bound to in `scope` (an assignment, `with ... as name`,
 * `(name := ...)`), undefined when it is not bound there or bound to something else. */
function bindingKind(scope: Node, name: string): Receiver | undefined {
  for (const n of walk(scope)) {
    let kind: Receiver | undefined;
    if (n.type === "assignment" && n.childForFieldName("left")?.text === name) {
      kind = valueKind(n.childForFieldName("right"), false);
    } else if (n.type === "named_expression" && n.childForFieldName("name")?.text === name) {
      kind = valueKind(n.childForFieldName("value"), false);
    } else if (n.type === "as_pattern" && n.childForFieldName("alias")?.text === name) {
      kind = valueKind(named(n)[0], true);
    }
    if (kind) return kind;
  }
  return undefined;
}

function valueKind(value: Node | null | undefined, withAs: boolean): Receiver | undefined {
  let v = value;
  for (let i = 0; i < 5 && v; i++) {
    if (v.type === "await" || v.type === "parenthesized_expression") v = named(v)[0];
    else if (v.type === "call" && calleeName(v) === "execution_options") v = v.childForFieldName("function")?.childForFieldName("object");
    else if (v.type === "call" && calleeName(v) === "closing") v = named(v.childForFieldName("arguments"))[0];
    else break;
  }
  if (v?.type === "named_expression") v = v.childForFieldName("value");
  if (v?.type !== "call") return undefined;
  const callee = calleeName(v);
  if (CONNECTION_MAKERS.has(callee)) return "no-flush";
  if (!TRANSACTION_MAKERS.has(callee)) return undefined;
  return withAs ? "begun" : "no-flush"; // `tx = x.begin()`: a Transaction or SessionTransaction
}

function annotationKind(fn: Node, name: string): Receiver | undefined {
  for (const p of named(fn.childForFieldName("parameters"))) {
    if (p.type !== "typed_parameter" || named(p).find((c) => c.type === "identifier")?.text !== name) continue;
    const type = p.childForFieldName("type")?.text ?? "";
    if (/Connection|Transaction/.test(type)) return "no-flush";
    if (/Session/.test(type)) return "flush";
  }
  return undefined;
}

/** The kinds of `known`, with fixtures looked up from `file`. */
export async function resolveReceivers(known: readonly Known[], file: string, ctx: FixContext): Promise<Receiver[]> {
  const looked = new Map<string, Receiver>();
  for (const k of known) {
    if (typeof k !== "string" && !looked.has(k.fixture)) looked.set(k.fixture, (await fixtureKind(k.fixture, file, ctx, 0)) ?? k.byName);
  }
  return known.map((k) => (typeof k === "string" ? k : (looked.get(k.fixture) ?? k.byName)));
}

/** What fixture `name` yields or returns, found in `file`, then in the conftest.py files of its
 * folder and the folders above, then in the modules they load with pytest_plugins; undefined when
 * not found or nothing tells. */
async function fixtureKind(name: string, file: string, ctx: FixContext, hops: number): Promise<Receiver | undefined> {
  const conftests = conftestsAbove(file);
  for (const candidate of [file, ...conftests, ...(await pluginModules([file, ...conftests], ctx))]) {
    const text = ctx.read(candidate);
    if (text === undefined) continue;
    const found = await withTree(text, (root) => {
      const defs = [...walk(root)].filter((n) => n.type === "function_definition" && isFixture(n) && fixtureName(n) === name);
      // a module-level fixture first (a class's own serves only its methods)
      const def = defs.find((d) => (d.parent?.type === "decorated_definition" ? d.parent : d).parent?.type === "module") ?? defs[0];
      return def ? givenKind(def) : undefined;
    });
    if (found === undefined) continue;
    if (typeof found !== "string") return hops < MAX_FIXTURE_HOPS ? fixtureKind(found.fixture, candidate, ctx, hops + 1) : undefined;
    return found === "unknown" ? undefined : found;
  }
  return undefined;
}

/** The kind of what a fixture yields or returns; a fixture it requests and hands on as it is. */
function givenKind(def: Node): Receiver | "unknown" | { fixture: string } {
  const params = parameterNames(def, "fixtures");
  for (const n of walk(def)) {
    const given = n.type === "yield" || n.type === "return_statement" ? named(n)[0] : undefined;
    if (!given) continue;
    if (given.type === "identifier") {
      const kind = bindingKind(def, given.text);
      if (kind) return kind;
      if (params.includes(given.text)) return { fixture: given.text };
    } else {
      const kind = valueKind(given, false);
      if (kind) return kind;
    }
  }
  return "unknown";
}
