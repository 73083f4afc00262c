// transactional-fixture: the fixture that yields the tests' session is rewritten in place into
// SQLAlchemy's "Joining a Session into an External Transaction" recipe for the installed version:
// a connection and an outer transaction per test, the session bound to it (2.0: with
// join_transaction_mode="create_savepoint"; 1.4: a SAVEPOINT restarted after every commit), and
// the outer transaction rolled back at teardown. A wider scope becomes the default (function);
// on SQLite the engine also gets the pysqlite BEGIN fix, without which the recipe undoes nothing.
import type { Cause } from "../causes/model";
import { appendArguments, engineAssignment, firstArg, pysqliteEdits, urlKind } from "./engine";
import type { Fix, FixContext, TextEdit } from "./model";
import { conftestsAbove } from "./paths";
import { dependentScopeEdits, fixtureName, scopeEdits } from "./scope";
import { assignment, body, calleeName, definition, imported, isFixture, keyword, named, parameterNames, type Node, walk, withTree } from "./syntax";
import { edit, indentAt, indentUnit, lineStart, nextLine } from "./text";

const PREFERRED = /^(db|session|db_session|dbsession|database)$/;

export async function transactionalFixture(cause: Cause, ctx: FixContext): Promise<Fix | undefined> {
  const files = [cause.file, ...conftestsAbove(cause.file)];
  for (const file of files) {
    const text = ctx.read(file);
    if (text === undefined) continue;
    const planned = await withTree(text, (root) => plan(root, text, file, cause, ctx.sqlalchemy));
    if (planned === "isolated") return undefined;
    if (!planned) continue;
    const { fix, narrowed } = planned;
    if (!narrowed) return fix;
    // the fixtures of a wider scope that request it would stop the run with ScopeMismatch
    const more = await dependentScopeEdits(narrowed.name, file, narrowed.row, ctx);
    if (!more.edits.length) return fix;
    const title = `${fix.title}, with ${more.names.join(", ")} (${more.names.length === 1 ? "it requests" : "they request"} it) function-scoped too`;
    return { ...fix, title, edits: [...fix.edits, ...more.edits].map((e) => ({ ...e, title })) };
  }
  return undefined;
}

interface Target {
  fn: Node;
  session: Node; // `session = Session(...)`
  call: Node; // its call
  yielded: Node; // the `yield session` statement
  isolated: boolean; // it runs in an outer transaction already
}

interface Planned {
  fix: Fix;
  /** The fixture, when its wider scope goes. */
  narrowed?: { name: string; row: number };
}

const ASYNC_RE = /\bAsyncSession\b|\basync_sessionmaker\b|\basync_scoped_session\b|\bcreate_async_engine\b/;

function plan(root: Node, text: string, file: string, cause: Cause, version: string | undefined): Planned | "isolated" | undefined {
  const target = findTarget(root, file, cause);
  if (!target) return undefined;
  // the recipe is sync code: an async fixture, an AsyncSession (`sessionmaker(class_=AsyncSession)`
  // too) or an async engine in this file needs awaits it does not write
  if (target.fn.text.startsWith("async") || ASYNC_RE.test(text)) return undefined;
  if (target.isolated) return "isolated";
  const { fn, session, call, yielded } = target;
  const name = session.childForFieldName("left")?.text ?? "session";
  const statements = body(fn);
  const sessionStatement = session.parent as Node;
  const callee = call.childForFieldName("function")?.text ?? "";
  const configure = statements.find((st) => st.startIndex < sessionStatement.startIndex && /^\s*[\w.]+\.configure\(/.test(st.text) && st.text.startsWith(`${callee}.configure(`));
  const bindCall = configure ? (configure.namedChild(0) as Node) : call;
  const positional = named(bindCall.childForFieldName("arguments")).find((a) => a.type !== "keyword_argument" && a.type !== "comment");
  // `Session(engine)`: a positional bind (never a session factory given to scoped_session)
  const positionalBind = !configure && positional?.type === "identifier" && /engine|conn|bind/i.test(positional.text) ? positional : undefined;
  const bind = keyword(bindCall, "bind")?.childForFieldName("value") ?? positionalBind;
  const params = parameterNames(fn);
  const engine = bind?.text ?? params.find((p) => /engine/i.test(p)) ?? (/^\w+$/.test(callee) ? `${callee}.kw["bind"]` : undefined);
  if (!engine) return undefined;
  if (!version) return undefined; // the recipe differs between 1.4 and 2.0: never guess
  const modern = !/^1\./.test(version);
  const ind = indentAt(text, lineStart(text, (configure ?? sessionStatement).startIndex));
  const step = indentUnit(text);
  // the engine's listeners first: an insert at the same place must come before the connection
  const edits: TextEdit[] = [...engineFix(root, text, file, fn, engine)];
  const start = lineStart(text, (configure ?? sessionStatement).startIndex);
  edits.push(edit(file, text, start, start, `${ind}connection = ${engine}.connect()\n${ind}outer = connection.begin()  # rolled back at teardown: commits included\n`, ""));
  const extra = [...(bind ? [] : ["bind=connection"]), ...(modern ? ['join_transaction_mode="create_savepoint"'] : [])];
  if (bind) edits.push(edit(file, text, bind.startIndex, bind.endIndex, "connection", ""));
  if (extra.length) edits.push(appendArguments(file, text, bindCall, extra, ""));
  if (!modern) {
    const ev = imported(root, text, file, "sqlalchemy", "event");
    const at = nextLine(text, sessionStatement.endIndex);
    const block = [
      `${ind}nested = connection.begin_nested()`,
      "",
      `${ind}@${ev.ref}.listens_for(${name}, "after_transaction_end")`,
      `${ind}def restart_savepoint(sess, trans):`,
      `${ind}${step}nonlocal nested`,
      `${ind}${step}if not nested.is_active:`,
      `${ind}${step}${step}nested = connection.begin_nested()`,
      "",
    ].join("\n");
    edits.push(edit(file, text, at, at, `${block}\n`, ""));
    if (ev.edit) edits.push(ev.edit);
  }
  edits.push(teardown(file, text, statements, yielded, indentAt(text, lineStart(text, yielded.startIndex))));
  const scope = scopeEdits(file, text, fn);
  edits.push(...scope);
  const title = `Roll back everything each test did: ${fnName(fn)} in an outer transaction (SQLAlchemy ${modern ? "2.0" : "1.4"} recipe)`;
  const fix: Fix = { id: "transactional-fixture", title, edits: dedupe(edits).map((e) => ({ ...e, title })) };
  return scope.length ? { fix, narrowed: { name: fixtureName(fn), row: fn.startPosition.row } } : { fix };
}

function fnName(fn: Node): string {
  return fn.childForFieldName("name")?.text ?? "the fixture";
}

/** The fixture that yields a session it made; the one the cause names (or is on) first. */
function findTarget(root: Node, file: string, cause: Cause): Target | undefined {
  const targets: Target[] = [];
  for (const n of walk(root)) {
    if (n.type !== "function_definition" || !isFixture(n)) continue;
    const t = sessionFixture(n);
    if (t) targets.push(t);
  }
  const here = file === cause.file ? targets.find((t) => fnName(t.fn) === cause.symbol || (t.fn.startPosition.row <= cause.line - 1 && t.fn.endPosition.row >= cause.line - 1)) : undefined;
  return here ?? targets.find((t) => PREFERRED.test(fnName(t.fn))) ?? targets[0];
}

function sessionFixture(fn: Node): Target | undefined {
  const isolated = /\.begin_nested\(|join_transaction_mode|\.connect\(\)/.test(fn.text);
  const statements = body(fn);
  for (const st of statements) {
    const y = st.type === "expression_statement" ? st.namedChild(0) : null;
    const value = y?.type === "yield" ? y.namedChild(0) : null;
    if (!value || value.type !== "identifier") continue;
    const made = assignment(statements.filter((s) => s.startIndex < st.startIndex), value.text);
    const call = made?.childForFieldName("right");
    const callee = call?.childForFieldName("function")?.text ?? "";
    if (made && call?.type === "call" && /session/i.test(callee)) return { fn, session: made, call, yielded: st, isolated };
  }
  return undefined;
}

/** The outer transaction ends after the fixture's own teardown, before the engine goes away. */
function teardown(file: string, text: string, statements: readonly Node[], yielded: Node, ind: string): TextEdit {
  const after = statements.filter((s) => s.startIndex > yielded.startIndex);
  const engineGone = after.find((s) => /\.dispose\(|drop_all\(/.test(s.text));
  const lines = `${ind}outer.rollback()\n${ind}connection.close()\n`;
  if (engineGone) {
    const at = lineStart(text, engineGone.startIndex);
    return edit(file, text, at, at, lines, "");
  }
  const last = after[after.length - 1] ?? yielded;
  const at = nextLine(text, last.endIndex);
  const gap = at === text.length && !text.endsWith("\n") ? "\n" : "";
  return edit(file, text, at, at, gap + lines, "");
}

/** On SQLite the engine needs the pysqlite BEGIN fix (when this file creates it and lacks it). */
function engineFix(root: Node, text: string, file: string, fn: Node, engine: string): TextEdit[] {
  const creators = [fn, definition(root, "function_definition", engine)].filter((f): f is Node => !!f);
  for (const c of creators) {
    const made = engineAssignment(c);
    const call = made?.childForFieldName("right");
    if (!call || calleeName(call) !== "create_engine" || !urlKind(root, firstArg(call))) continue;
    if (/^["']sqlite\+(?!pysqlite)/.test(firstArg(call)?.text ?? "")) continue;
    return pysqliteEdits(root, text, file, c)?.edits ?? [];
  }
  return [];
}

function dedupe(edits: readonly TextEdit[]): TextEdit[] {
  const seen = new Set<string>();
  return edits.filter((e) => {
    const key = JSON.stringify([e.range, e.newText]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
