// What a `<x>.commit()` is called on, for remove-commit (commit.ts): a Session (flush() exists) or
// something without flush(): a Connection (`engine.connect()`), a Transaction (`conn.begin()`), a
// SessionTransaction (`session.begin()`), a DBAPI connection (`engine.raw_connection()`). Read from
// where the name is bound: in the function itself, or, for a fixture parameter, in the fixture
// that gives it (same file, then the conftest.py files of the folders above). Unknown: a Session.
import * as path from "node:path";
import type { FixContext } from "./model";
import { calleeName, definition, isFixture, named, type Node, parameterNames, walk, withTree } from "./syntax";

export type Receiver = "flush" | "no-flush";

const CONNECTION_MAKERS = new Set(["connect", "connection", "raw_connection"]);
const TRANSACTION_MAKERS = new Set(["begin", "begin_nested", "begin_twophase"]);
// `with <x>.begin() as y`: y is a Connection for an engine, a Transaction for a connection, a
// Session only for a sessionmaker; told apart by the name of x
const NOT_A_SESSIONMAKER = /engine|conn/i;

/** What each commit of a function is called on, once fixtures are looked up (`resolve`). */
export interface CommitReceivers {
  resolve(file: string, ctx: FixContext): Promise<Receiver[]>;
}

export function commitReceivers(fn: Node, commits: readonly Node[]): CommitReceivers {
  const params = new Set(parameterNames(fn, "fixtures"));
  // per commit: a kind known now, or the fixture to look up
  const known: Array<Receiver | { fixture: string }> = commits.map((name) => {
    const receiver = name.parent?.childForFieldName("object");
    if (receiver?.type !== "identifier") return "flush";
    const bound = bindingKind(fn, receiver.text);
    if (bound) return bound;
    return params.has(receiver.text) ? { fixture: receiver.text } : "flush";
  });
  return {
    async resolve(file, ctx) {
      const looked = new Map<string, Receiver>();
      for (const k of known) {
        if (typeof k !== "string" && !looked.has(k.fixture)) looked.set(k.fixture, await fixtureKind(k.fixture, file, ctx));
      }
      return known.map((k) => (typeof k === "string" ? k : (looked.get(k.fixture) ?? "flush")));
    },
  };
}

/** The kind of the value `name` is bound to in `scope` (an assignment or a `with ... as name`),
 * undefined when it is not bound there or bound to something else. */
function bindingKind(scope: Node, name: string): Receiver | undefined {
  for (const n of walk(scope)) {
    if (n.type === "assignment" && n.childForFieldName("left")?.text === name) {
      const kind = valueKind(n.childForFieldName("right"), false);
      if (kind) return kind;
    } else if (n.type === "as_pattern" && n.childForFieldName("alias")?.text === name) {
      const value = named(n)[0];
      const kind = valueKind(value, true);
      if (kind) return kind;
    }
  }
  return undefined;
}

function valueKind(value: Node | null | undefined, withAs: boolean): Receiver | undefined {
  let v = value;
  if (v?.type === "await") v = named(v)[0];
  if (v?.type !== "call") return undefined;
  const callee = calleeName(v);
  if (CONNECTION_MAKERS.has(callee)) return "no-flush";
  if (!TRANSACTION_MAKERS.has(callee)) return undefined;
  if (!withAs) return "no-flush"; // `tx = x.begin()`: a Transaction or SessionTransaction
  const owner = v.childForFieldName("function")?.childForFieldName("object")?.text ?? "";
  return NOT_A_SESSIONMAKER.test(owner) ? "no-flush" : "flush";
}

/** What fixture `name` yields or returns: found in `file`, then in the conftest.py files of its
 * folder and the folders above. */
async function fixtureKind(name: string, file: string, ctx: FixContext): Promise<Receiver> {
  for (const candidate of [file, ...conftestsAbove(file)]) {
    const text = ctx.read(candidate);
    if (text === undefined) continue;
    const kind = await withTree(text, (root) => {
      const def = definition(root, "function_definition", name);
      if (!def || !isFixture(def)) return undefined;
      return givenKind(def) ?? "flush";
    });
    if (kind) return kind;
  }
  return "flush";
}

/** The kind of what a fixture yields or returns: a call, or a name bound in the fixture. */
function givenKind(def: Node): Receiver | undefined {
  for (const n of walk(def)) {
    const given = n.type === "yield" ? named(n)[0] : n.type === "return_statement" ? named(n)[0] : undefined;
    if (!given) continue;
    const kind = given.type === "identifier" ? bindingKind(def, given.text) : valueKind(given, false);
    if (kind) return kind;
  }
  return undefined;
}

function conftestsAbove(file: string): string[] {
  const out: string[] = [];
  let dir = path.posix.dirname(file);
  for (;;) {
    const conftest = dir === "." ? "conftest.py" : `${dir}/conftest.py`;
    if (conftest !== file) out.push(conftest);
    if (dir === "." || dir === "") break;
    dir = path.posix.dirname(dir);
  }
  return out;
}
