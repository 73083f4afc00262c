// The fixes for a cause, as edits: each computed by its own module from the files' current text,
// then checked before it is offered: every edited file still parses (no ERROR or MISSING node),
// and computing the fix again on the fixed text finds nothing left to do (applying it twice
// changes nothing).
import type { Cause, FixId } from "../causes/model";
import { withPythonTree } from "../pyparse";
import { removeCommit } from "./commit";
import { inMemoryDatabase, pysqliteSavepointFix } from "./engine";
import type { Fix, FixContext, TextEdit } from "./model";
import { persistenceFlush } from "./persistence";
import { rollbackAfterError } from "./rollback";
import { sequenceValue } from "./sequence";
import { perCallSession } from "./session";
import { resetSharedSession } from "./sharedSession";
import { applyEdits } from "./text";
import { transactionalFixture } from "./transactional";

export type { Fix, FixContext, Position, TextEdit } from "./model";
export { applyEdits } from "./text";

type Maker = (cause: Cause, ctx: FixContext) => Promise<Fix | undefined>;

const MAKERS: Partial<Record<FixId, Maker>> = {
  "persistence-flush": persistenceFlush,
  "sequence-unique-value": sequenceValue,
  "remove-commit": removeCommit,
  "in-memory-database": inMemoryDatabase,
  "pysqlite-savepoint-fix": pysqliteSavepointFix,
  "transactional-fixture": transactionalFixture,
  "rollback-after-error": rollbackAfterError,
  "per-call-session": perCallSession,
  "reset-shared-session": resetSharedSession,
};

/** The fixes that apply to a cause, checked, in the cause's order (the first is the preferred one). */
export async function fixesFor(cause: Cause, ctx: FixContext): Promise<Fix[]> {
  const out: Fix[] = [];
  for (const id of cause.fixes) {
    const fix = await computeFix(id, cause, ctx);
    if (fix && (await problem(fix, cause, ctx)) === undefined) out.push(fix);
  }
  return out;
}

/** One fix, unchecked; undefined when it does not apply to the files as they are. */
export async function computeFix(id: FixId, cause: Cause, ctx: FixContext): Promise<Fix | undefined> {
  const make = MAKERS[id];
  try {
    const fix = make && (await make(cause, ctx));
    return fix && fix.edits.length ? fix : undefined;
  } catch {
    return undefined; // a file that changed under us: no fix rather than a wrong one
  }
}

/** Each edited file's text after the fix. */
export function fixedTexts(fix: Fix, ctx: FixContext): Map<string, string> {
  const byFile = new Map<string, TextEdit[]>();
  for (const e of fix.edits) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
  const out = new Map<string, string>();
  for (const [file, edits] of byFile) out.set(file, applyEdits(ctx.read(file) ?? "", edits));
  return out;
}

/** Why a fix must not be offered, or undefined when it is sound. */
export async function problem(fix: Fix, cause: Cause, ctx: FixContext): Promise<string | undefined> {
  let texts: Map<string, string>;
  try {
    texts = fixedTexts(fix, ctx);
  } catch (e) {
    return String(e);
  }
  for (const [file, text] of texts) {
    const broken = await withPythonTree(text, (tree) => tree.rootNode.hasError);
    if (broken) return `${file} does not parse after the fix`;
  }
  const after: FixContext = { ...ctx, read: (file) => texts.get(file) ?? ctx.read(file) };
  const again = await computeFix(fix.id, cause, after);
  if (again && [...fixedTexts(again, after)].some(([file, text]) => text !== after.read(file))) return "applying the fix twice changes the file again";
  return undefined;
}
