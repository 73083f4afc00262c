// remove-commit: `x.commit()` → `x.flush()` inside a factory's `_create` override, or inside the
// test (or fixture) that committed. Commits in application code stay: they are what is tested.
// A commit on something that has no flush() (a Connection, a Transaction, a DBAPI connection) is
// dropped instead: its writes stay in the open transaction, which closing the connection undoes.
import type { Cause } from "../causes/model";
import { isTestSetup } from "../index/fixtures";
import type { Fix, FixContext } from "./model";
import { definition, functionAround, type Node, walk, withTree } from "./syntax";
import { commitReceivers } from "./receiver";
import { edit, lineStart, nextLine } from "./text";

export async function removeCommit(cause: Cause, ctx: FixContext): Promise<Fix | undefined> {
  const text = ctx.read(cause.file);
  if (text === undefined) return undefined;
  const method = /^\w+\.(_create|_save|create)$/.exec(cause.symbol)?.[1];
  if (!method && !isTestSetup(cause.file)) return undefined;
  const found = await withTree(text, (root) => {
    const fn = method ? definition(root, "function_definition", method, cause.line - 1) : functionAround(root, cause.line - 1);
    if (!fn) return undefined;
    const commits = [...walk(fn)].filter(isCommitStatement);
    if (!commits.length) return undefined;
    const where = method ? `${cause.symbol}` : (fn.childForFieldName("name")?.text ?? "the test");
    // what an edit needs once the tree is gone: offsets, and the receiver's name for the lookup
    return { where, fnName: fn.childForFieldName("name")?.text ?? "", commits: commits.map((c) => commitSite(c, text)), receivers: commitReceivers(fn, commits) };
  });
  if (!found) return undefined;
  const kinds = await found.receivers.resolve(cause.file, ctx);
  const dropped = kinds.filter((k) => k === "no-flush").length;
  const title =
    dropped === 0 ? `Flush instead of commit in ${found.where}` : dropped === kinds.length ? `Drop the commit in ${found.where}` : `Flush instead of commit in ${found.where} (drop the connection's commit)`;
  return {
    id: "remove-commit" as const,
    title,
    edits: found.commits.map((c, i) => (kinds[i] === "no-flush" ? edit(cause.file, text, c.dropStart, c.dropEnd, c.dropText, title) : edit(cause.file, text, c.nameStart, c.nameEnd, "flush", title))),
  };
}

interface CommitSite {
  nameStart: number; // the `commit` identifier, replaced by `flush`
  nameEnd: number;
  dropStart: number; // what dropping the statement removes, and what it leaves there
  dropEnd: number;
  dropText: string;
}

/** Where the edits of one commit statement go: `commit` → `flush`, or the statement dropped
 * (its whole line when it stands alone there, `pass` when the block would be left empty). */
function commitSite(name: Node, text: string): CommitSite {
  const statement = statementOf(name)!;
  const block = statement.parent;
  const alone = block?.type === "block" && block.namedChildren.filter((c) => c && c.type !== "comment").length === 1;
  const start = lineStart(text, statement.startIndex);
  const end = nextLine(text, statement.endIndex);
  const ownLine = !alone && /^[ \t]*$/.test(text.slice(start, statement.startIndex)) && /^[ \t]*(#.*)?\r?\n?$/.test(text.slice(statement.endIndex, end));
  const site = { nameStart: name.startIndex, nameEnd: name.endIndex };
  if (ownLine) return { ...site, dropStart: start, dropEnd: end, dropText: "" };
  return { ...site, dropStart: statement.startIndex, dropEnd: statement.endIndex, dropText: "pass" };
}

/** The statement of a `<x>.commit()` (or `await <x>.commit()`), from its `commit` identifier. */
function statementOf(n: Node): Node | undefined {
  const call = n.parent?.parent;
  return call?.parent?.type === "await" ? (call.parent.parent ?? undefined) : (call?.parent ?? undefined);
}

/** The `commit` of a statement `<x>.commit()` or `await <x>.commit()` (an AsyncSession's); its
 * node is what gets replaced. */
function isCommitStatement(n: Node): boolean {
  if (n.type !== "identifier" || n.text !== "commit") return false;
  const attr = n.parent;
  const call = attr?.parent;
  const statement = statementOf(n);
  return attr?.type === "attribute" && attr.childForFieldName("attribute")?.equals(n) === true && call?.type === "call" && statement?.type === "expression_statement" && (call.childForFieldName("arguments")?.namedChildCount ?? 0) === 0;
}
