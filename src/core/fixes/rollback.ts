// rollback-after-error: a test that provokes an IntegrityError on purpose (inside pytest.raises)
// rolls the session back right after, so the shared session is usable for the next tests.
import type { Cause } from "../causes/model";
import type { Fix, FixContext } from "./model";
import { functionAround, named, type Node, walk, withTree } from "./syntax";
import { edit, indentAt, lineStart, nextLine } from "./text";

const SESSION_PARAM = /^(db|session|db_session|dbsession|sess|database|dbsess)$/;

export async function rollbackAfterError(cause: Cause, ctx: FixContext): Promise<Fix | undefined> {
  const text = ctx.read(cause.file);
  if (text === undefined) return undefined;
  return withTree(text, (root) => {
    const fn = functionAround(root, cause.line - 1);
    const block = fn && [...walk(fn)].find((n) => n.type === "with_statement" && n.startPosition.row <= cause.line - 1 && n.endPosition.row >= cause.line - 1 && /\braises\s*\(/.test(n.namedChild(0)?.text ?? ""));
    if (!fn || !block) return undefined;
    const session = sessionOf(fn, block);
    if (!session) return undefined;
    const next = block.nextNamedSibling;
    if (next?.text.replace(/\s+/g, "") === `${session}.rollback()`) return undefined;
    const at = nextLine(text, block.endIndex);
    const indent = indentAt(text, lineStart(text, block.startIndex));
    const title = `Roll ${session} back after the expected error`;
    const gap = at === text.length && !text.endsWith("\n") ? "\n" : "";
    return { id: "rollback-after-error" as const, title, edits: [edit(cause.file, text, at, at, `${gap}${indent}${session}.rollback()\n`, title)] };
  });
}

/** The session to roll back: the test's session parameter, else the session of the factory it calls. */
function sessionOf(fn: Node, block: Node): string | undefined {
  const params = named(fn.childForFieldName("parameters")).map((p) => (p.type === "identifier" ? p.text : p.childForFieldName("name")?.text ?? ""));
  const param = params.find((p) => SESSION_PARAM.test(p));
  if (param) return param;
  const FACTORY = /^([\w.]*Factory)(\.(create|create_batch))?$/;
  const call = [...walk(block)].find((n) => n.type === "call" && FACTORY.test(n.childForFieldName("function")?.text ?? ""));
  const factory = FACTORY.exec(call?.childForFieldName("function")?.text ?? "")?.[1];
  return factory ? `${factory}._meta.sqlalchemy_session` : undefined;
}
