// Fixes on the engine a test set-up creates:
// in-memory-database: a file SQLite URL → "sqlite://" (its driver kept: sqlite+aiosqlite://) with
//   StaticPool (one connection, so every session of the run sees the same in-memory database);
// pysqlite-savepoint-fix: the SQLite dialect docs' "connect"/"begin" listeners, so the outer
//   transaction is a real BEGIN and a released SAVEPOINT no longer commits.
import type { Cause } from "../causes/model";
import { isTestSetup } from "../index/fixtures";
import type { Fix, FixContext, TextEdit } from "./model";
import { fixtureName } from "./scope";
import { assignedNames, readsModuleName } from "./names";
import { assignment, calleeName, definition, functionAround, imported, isFixture, keyword, named, parameterNames, type Node, stringParts, walk, withTree } from "./syntax";
import { edit, indentAt, indentUnit, lineStart, nextLine } from "./text";

const ENGINE_CALLS = new Set(["create_engine", "create_async_engine"]);

function insideFunction(n: Node): boolean {
  for (let p = n.parent; p; p = p.parent) if (p.type === "function_definition") return true;
  return false;
}

export async function inMemoryDatabase(cause: Cause, ctx: FixContext): Promise<Fix | undefined> {
  const text = ctx.read(cause.file);
  if (text === undefined || !isTestSetup(cause.file)) return undefined;
  return withTree(text, (root) => {
    const fn = functionAround(root, cause.line - 1) ?? definition(root, "function_definition", cause.symbol);
    // the function's own engine, else one made at module level (a fixture that uses it); outside
    // any function, the file's first
    const fileEngines = (n: Node, moduleLevel: boolean): Node[] =>
      [...walk(n)].filter((c) => c.type === "call" && ENGINE_CALLS.has(calleeName(c)) && (!moduleLevel || !insideFunction(c)) && urlKind(root, firstArg(c)) === "file");
    // at module level, only an engine the function names (another engine of the file is not its)
    const usedByFn = (c: Node): boolean => !!fn && assignedNames(c).some((name) => readsModuleName(fn, name) || throughFixture(root, fn, name, 0));
    const call = fn ? (fileEngines(fn, false)[0] ?? fileEngines(root, true).find(usedByFn)) : fileEngines(root, false)[0];
    const url = call && firstArg(call);
    if (!call || !url) return undefined;
    const title = "Use an in-memory SQLite database with one shared connection (StaticPool)";
    const pool = imported(root, text, cause.file, "sqlalchemy.pool", "StaticPool");
    const quote = url.type === "string" ? stringParts(url)?.quote ?? '"' : '"';
    // the driver stays: sqlite+aiosqlite:// for an async engine
    const scheme = urlScheme(root, url) ?? (calleeName(call) === "create_async_engine" ? "sqlite+aiosqlite" : "sqlite");
    const extra: string[] = [];
    const poolArg = keyword(call, "poolclass");
    const edits: TextEdit[] = [edit(cause.file, text, url.startIndex, url.endIndex, `${quote}${scheme}://${quote}`, title)];
    if (poolArg) {
      const v = poolArg.childForFieldName("value");
      if (v) edits.push(edit(cause.file, text, v.startIndex, v.endIndex, pool.ref, title));
    } else extra.push(`poolclass=${pool.ref}`);
    if (!keyword(call, "connect_args")) extra.push(`connect_args={${quote}check_same_thread${quote}: False}`);
    if (extra.length) edits.push(appendArguments(cause.file, text, call, extra, title));
    if (pool.edit) edits.push(pool.edit);
    return { id: "in-memory-database" as const, title, edits };
  });
}

/** Whether a fixture of this file that `fn` requests reads the module-level `name` (an
 * `@pytest.fixture(name="engine")` handing the module's engine on), up to two fixtures deep. */
function throughFixture(root: Node, fn: Node, name: string, depth: number): boolean {
  const wanted = new Set(parameterNames(fn, "fixtures"));
  if (!wanted.size || depth > 2) return false;
  for (const st of named(root)) {
    const def = st.type === "decorated_definition" ? st.childForFieldName("definition") : null;
    if (def?.type !== "function_definition" || def.equals(fn) || !isFixture(def) || !wanted.has(fixtureName(def))) continue;
    if (readsModuleName(def, name) || throughFixture(root, def, name, depth + 1)) return true;
  }
  return false;
}

export async function pysqliteSavepointFix(cause: Cause, ctx: FixContext): Promise<Fix | undefined> {
  const text = ctx.read(cause.file);
  if (text === undefined || !isTestSetup(cause.file)) return undefined;
  return withTree(text, (root) => {
    const fn = definition(root, "function_definition", cause.symbol, cause.line - 1) ?? functionAround(root, cause.line - 1);
    const made = fn && pysqliteEdits(root, text, cause.file, fn);
    if (!made) return undefined;
    const title = `Let SQLAlchemy emit BEGIN on ${made.engine} (the pysqlite SAVEPOINT fix)`;
    return { id: "pysqlite-savepoint-fix" as const, title, edits: made.edits.map((e) => ({ ...e, title })) };
  });
}

/** The listeners after the function's engine assignment; undefined when it has them already. */
export function pysqliteEdits(root: Node, text: string, file: string, fn: Node): { engine: string; edits: TextEdit[] } | undefined {
  const made = engineAssignment(fn);
  if (!made) return undefined;
  const engine = made.childForFieldName("left")?.text ?? "engine";
  const listening = [...walk(fn)].some((n) => n.type === "call" && calleeName(n) === "listens_for" && new RegExp(`^\\(\\s*${engine}\\s*,\\s*["']begin["']`).test(n.childForFieldName("arguments")?.text ?? ""));
  if (listening) return undefined;
  const ev = imported(root, text, file, "sqlalchemy", "event");
  const statement = made.parent ?? made;
  const at = nextLine(text, statement.endIndex);
  const ind = indentAt(text, lineStart(text, statement.startIndex));
  const step = indentUnit(text);
  const block = [
    "",
    `${ind}# pysqlite sends no BEGIN of its own: without these a SAVEPOINT is the outermost`,
    `${ind}# transaction and releasing it commits (SQLAlchemy's SQLite dialect docs).`,
    `${ind}@${ev.ref}.listens_for(${engine}, "connect")`,
    `${ind}def _no_pysqlite_transactions(dbapi_connection, connection_record):`,
    `${ind}${step}dbapi_connection.isolation_level = None`,
    "",
    `${ind}@${ev.ref}.listens_for(${engine}, "begin")`,
    `${ind}def _emit_begin(conn):`,
    `${ind}${step}conn.exec_driver_sql("BEGIN")`,
    "",
    "",
  ].join("\n");
  return { engine, edits: [edit(file, text, at, at, block, ""), ...(ev.edit ? [ev.edit] : [])] };
}

/** `engine = create_engine(...)` in a function (else the first `x = <call>` the function returns or yields). */
export function engineAssignment(fn: Node): Node | undefined {
  const assigns = [...walk(fn)].filter((n) => n.type === "assignment" && n.childForFieldName("left")?.type === "identifier" && n.childForFieldName("right")?.type === "call");
  const direct = assigns.find((a) => calleeName(a.childForFieldName("right") as Node) === "create_engine");
  if (direct) return direct;
  const handed = new Set([...walk(fn)].filter((n) => n.type === "yield" || n.type === "return_statement").map((n) => n.namedChild(0)?.text));
  return assigns.find((a) => handed.has(a.childForFieldName("left")?.text) && /engine/i.test(a.text));
}

export function firstArg(call: Node): Node | undefined {
  const a = named(call.childForFieldName("arguments"))[0];
  return a && a.type !== "keyword_argument" ? a : undefined;
}

/** "sqlite" or "sqlite+driver" of a URL written as a string, an f-string, "..." + path, or a
 * name assigned one of those in the file. */
function urlScheme(root: Node, url: Node, depth = 0): string | undefined {
  if (url.type === "identifier" && depth < 2) {
    const value = assignment(named(root), url.text)?.childForFieldName("right");
    return value ? urlScheme(root, value, depth + 1) : undefined;
  }
  const lead = url.type === "binary_operator" ? url.childForFieldName("left") : url;
  return /^[rRuUfF]*(?:"""|'''|"|')(sqlite(?:\+\w+)?):/.exec(lead?.text ?? "")?.[1];
}

/** "file" for a SQLite URL naming a file, "memory", or undefined when it cannot be told. */
export function urlKind(root: Node, url: Node | undefined, depth = 0): "file" | "memory" | undefined {
  if (!url) return undefined;
  const lead = url.type === "binary_operator" ? url.childForFieldName("left") : url;
  if (lead?.type === "string") {
    const m = /^sqlite(\+\w+)?:\/\/([\s\S]*)$/.exec(lead.text.replace(/^[rRuUfF]*("""|\'\'\'|"|')/, ""));
    const rest = m?.[2];
    if (rest === undefined) return undefined;
    if (/:memory:|mode=memory/.test(rest)) return "memory";
    if (url.type === "binary_operator") return rest.startsWith("/") ? "file" : undefined; // "sqlite:///" + path
    return /^\/[^"']/.test(rest) ? "file" : "memory";
  }
  if (url.type === "identifier" && depth < 2) return urlKind(root, assignment(named(root), url.text)?.childForFieldName("right") ?? undefined, depth + 1);
  return undefined;
}

/** Adds keyword arguments after a call's last argument, on their own lines when the call has them so. */
export function appendArguments(file: string, text: string, call: Node, args: readonly string[], title: string): TextEdit {
  const list = call.childForFieldName("arguments") as Node;
  const items = named(list).filter((n) => n.type !== "comment");
  const last = items[items.length - 1];
  if (!last) return edit(file, text, list.startIndex + 1, list.startIndex + 1, args.join(", "), title);
  const multiline = last.startPosition.row > list.startPosition.row;
  if (!multiline) return edit(file, text, last.endIndex, last.endIndex, `, ${args.join(", ")}`, title);
  const ind = indentAt(text, lineStart(text, last.startIndex));
  const comma = text.slice(last.endIndex, list.endIndex - 1).match(/^\s*,/);
  if (comma) {
    const at = last.endIndex + comma[0].length;
    return edit(file, text, at, at, args.map((a) => `\n${ind}${a},`).join(""), title);
  }
  return edit(file, text, last.endIndex, last.endIndex, `,${args.map((a) => `\n${ind}${a}`).join(",")}`, title);
}
