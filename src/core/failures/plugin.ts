// Failures from our pytest plugin's structured report data.
import type { ErrorData } from "../protocol";
import { buildDbFailure, parseDbError, partsFromPlugin } from "./dbMessage";
import { findUserFrame, type UserFrameOptions } from "./frames";
import type { ChainLink, DbFailure, Failure, Frame, Phase } from "./model";

export function fromPluginError(nodeid: string, phase: Phase, error: ErrorData, opts: UserFrameOptions = {}): Failure {
  const chain: ChainLink[] = [];
  const frames: Frame[] = [];
  try {
    for (const l of Array.isArray(error?.chain) ? error.chain : []) {
      if (l && typeof l === "object") chain.push({ type: String(l.type ?? ""), message: String(l.message ?? "") });
    }
    for (const f of Array.isArray(error?.frames) ? error.frames : []) {
      if (f && typeof f === "object" && typeof f.file === "string") {
        frames.push({ file: f.file, line: Number.isFinite(f.line) ? f.line : 0, function: String(f.function ?? "") });
      }
    }
  } catch {
    // malformed data: keep what was read
  }
  const failure: Failure = { nodeid, phase, chain, frames, source: "plugin" };
  const userFrame = findUserFrame(frames, opts);
  if (userFrame) failure.userFrame = userFrame;
  let db: DbFailure | undefined;
  try {
    if (error?.db && typeof error.db === "object") {
      db = buildDbFailure(partsFromPlugin(error.db));
      if (error.db.sessionId) failure.sessionId = String(error.db.sessionId);
    }
  } catch {
    db = undefined;
  }
  if (db && db.message === "" && db.kind === "pending-rollback") {
    // A PendingRollbackError has no driver exception (exc.orig): its own text is the message,
    // read from the chain as the text parsers read it.
    const own = dbFromChain(chain.filter((l) => l.type === error.db?.sqlalchemyType));
    if (own?.message) db.message = own.message;
  }
  db ??= dbFromChain(chain);
  if (db) failure.db = db;
  return failure;
}

/** The first link of the chain (outermost first) that reads as a DB error. */
export function dbFromChain(chain: readonly ChainLink[], truncated = false): DbFailure | undefined {
  for (const link of chain) {
    const db = parseDbError(link.type, link.message, truncated);
    if (db) return db;
  }
  return undefined;
}
