// per-call-session: a factory's `_create` that stores the session it made on the class
// (`cls._meta.sqlalchemy_session = ...`) keeps it in a local instead, so no later call, subfactory or
// test inherits that session (and its rows or broken transaction). Not offered when `_create`
// hands on to factory_boy's own `_create`, which reads the class-level session.
import type { Cause } from "../causes/model";
import type { Fix, FixContext, TextEdit } from "./model";
import { functionAround, nameOf, named, type Node, walk, withTree } from "./syntax";
import { edit, lineStart, nextLine } from "./text";

const META_SESSION = /^cls\._meta\.sqlalchemy_session$/;

export async function perCallSession(cause: Cause, ctx: FixContext): Promise<Fix | undefined> {
  const text = ctx.read(cause.file);
  if (text === undefined) return undefined;
  return withTree(text, (root) => {
    const fn = functionAround(root, cause.line - 1);
    if (!fn || !["_create", "_save"].includes(nameOf(fn))) return undefined;
    const nodes = [...walk(fn)];
    const assign = nodes.find((n) => n.type === "assignment" && n.startPosition.row === cause.line - 1 && META_SESSION.test(n.childForFieldName("left")?.text ?? "") && n.parent?.type === "expression_statement");
    const right = assign?.childForFieldName("right");
    if (!assign || !right) return undefined;
    if (nodes.some((n) => n.type === "call" && /^super\(.*\)\.(_create|_save)$/s.test(n.childForFieldName("function")?.text ?? ""))) return undefined;
    const left = assign.childForFieldName("left") as Node;
    const uses = nodes.filter((n) => n.type === "attribute" && META_SESSION.test(n.text) && !n.equals(left));
    // read before it is set (`if cls._meta.sqlalchemy_session is None: ...`): a local cannot stand in
    if (uses.some((n) => n.startIndex < assign.startIndex)) return undefined;
    const reads = uses.filter((n) => n.startIndex >= assign.endIndex);
    const title = `Keep the session of ${cause.symbol} in a local, not on the class`;
    const edits: TextEdit[] = [];
    let local: string;
    if (right.type === "identifier") {
      // the session is a local already: the class-level copy only leaks it
      local = right.text;
      const statement = assign.parent as Node;
      const start = lineStart(text, statement.startIndex);
      const end = nextLine(text, statement.endIndex);
      // only a line of its own in a block that keeps a statement goes: nothing else is lost
      if (text.slice(start, end).trim() !== statement.text.trim() || named(statement.parent).length < 2) return undefined;
      edits.push(edit(cause.file, text, start, end, "", title));
    } else {
      local = nodes.some((n) => n.type === "identifier" && n.text === "session") ? "call_session" : "session";
      edits.push(edit(cause.file, text, left.startIndex, left.endIndex, local, title));
    }
    for (const r of reads) edits.push(edit(cause.file, text, r.startIndex, r.endIndex, local, title));
    return { id: "per-call-session" as const, title, edits };
  });
}
