// remove-commit: `x.commit()` → `x.flush()` inside a factory's `_create` override, or inside the
// test (or fixture) that committed. Commits in application code stay: they are what is tested.
// A commit on something that has no flush() (a Connection, a Transaction, a DBAPI connection) is
// dropped instead: its writes stay in the open transaction, which closing the connection undoes.
import type { Cause } from "../causes/model";
import { isTestSetup } from "../index/fixtures";
import type { Fix, FixContext } from "./model";
import { definition, functionAround, type Node, walk, withTree } from "./syntax";
import { beginsLater, insideBegin, type Known, receiverOf, resolveReceivers } from "./receiver";
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
    const sites: CommitSite[] = [];
    for (const name of commits) {
      const statement = statementOf(name)!;
      const receiver = name.parent?.childForFieldName("object")?.text ?? "";
      // a `with X.begin()` block commits as it ends, and a commit left open refuses a later
      // begin(): no edit of the statement fixes that
      if (insideBegin(statement, fn) || beginsLater(fn, receiver, statement.endIndex)) return undefined;
      sites.push(commitSite(name, statement, text, receiverOf(fn, name)));
    }
    return { where, sites };
  });
  if (!found) return undefined;
  const kinds = await resolveReceivers(found.sites.map((s) => s.known), cause.file, ctx);
  if (kinds.includes("begun")) return undefined; // a connection from a fixture's `with engine.begin()`
  const dropped = found.sites.filter((_, i) => kinds[i] === "no-flush");
  const title =
    dropped.length === 0 ? `Flush instead of commit in ${found.where}` : dropped.length === kinds.length ? `Drop the commit in ${found.where}` : `Flush instead of commit in ${found.where} (drop the connection's commit)`;
  return {
    id: "remove-commit" as const,
    title,
    edits: found.sites.map((c, i) => {
      if (kinds[i] !== "no-flush") return edit(cause.file, text, c.nameStart, c.nameEnd, "flush", title);
      // a block left with no statement keeps one: the first dropped becomes `pass`
      const emptied = dropped.filter((d) => d.block === c.block).length === c.blockSize && dropped.find((d) => d.block === c.block) === c;
      return emptied || !c.ownLine ? edit(cause.file, text, c.statementStart, c.statementEnd, "pass", title) : edit(cause.file, text, c.lineStart, c.lineEnd, "", title);
    }),
  };
}

interface CommitSite {
  known: Known;
  nameStart: number; // the `commit` identifier, replaced by `flush`
  nameEnd: number;
  statementStart: number;
  statementEnd: number;
  ownLine: boolean; // the statement alone on its line (a comment after it aside): the line can go
  lineStart: number;
  lineEnd: number;
  block: number; // the start of the block holding it, and its statements other than comments
  blockSize: number;
}

function commitSite(name: Node, statement: Node, text: string, known: Known): CommitSite {
  const block = statement.parent;
  const start = lineStart(text, statement.startIndex);
  const end = nextLine(text, statement.endIndex);
  const ownLine = /^[ \t]*$/.test(text.slice(start, statement.startIndex)) && /^[ \t]*(#.*)?\r?\n?$/.test(text.slice(statement.endIndex, end));
  return {
    known,
    nameStart: name.startIndex,
    nameEnd: name.endIndex,
    statementStart: statement.startIndex,
    statementEnd: statement.endIndex,
    ownLine,
    lineStart: start,
    lineEnd: end,
    block: block?.startIndex ?? -1,
    blockSize: block?.type === "block" ? block.namedChildren.filter((c) => c && c.type !== "comment").length : Infinity,
  };
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
