// remove-commit: `x.commit()` → `x.flush()` inside a factory's `_create` override, or inside the
// test (or fixture) that committed. Commits in application code stay: they are what is tested.
import type { Cause } from "../causes/model";
import { isTestSetup } from "../index/fixtures";
import type { Fix, FixContext } from "./model";
import { definition, functionAround, type Node, walk, withTree } from "./syntax";
import { edit } from "./text";

export async function removeCommit(cause: Cause, ctx: FixContext): Promise<Fix | undefined> {
  const text = ctx.read(cause.file);
  if (text === undefined) return undefined;
  const method = /^\w+\.(_create|_save|create)$/.exec(cause.symbol)?.[1];
  if (!method && !isTestSetup(cause.file)) return undefined;
  return withTree(text, (root) => {
    const fn = method ? definition(root, "function_definition", method, cause.line - 1) : functionAround(root, cause.line - 1);
    if (!fn) return undefined;
    const commits = [...walk(fn)].filter(isCommitStatement);
    if (!commits.length) return undefined;
    const where = method ? `${cause.symbol}` : fn.childForFieldName("name")?.text ?? "the test";
    const title = `Flush instead of commit in ${where}`;
    return {
      id: "remove-commit" as const,
      title,
      edits: commits.map((attr) => edit(cause.file, text, attr.startIndex, attr.endIndex, "flush", title)),
    };
  });
}

/** The `commit` of a statement `<x>.commit()` or `await <x>.commit()` (an AsyncSession's); its
 * node is what gets replaced. */
function isCommitStatement(n: Node): boolean {
  if (n.type !== "identifier" || n.text !== "commit") return false;
  const attr = n.parent;
  const call = attr?.parent;
  const statement = call?.parent?.type === "await" ? call.parent.parent : call?.parent;
  return attr?.type === "attribute" && attr.childForFieldName("attribute")?.equals(n) === true && call?.type === "call" && statement?.type === "expression_statement" && (call.childForFieldName("arguments")?.namedChildCount ?? 0) === 0;
}
