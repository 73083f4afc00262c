// The grouping as it was before it was indexed (a scan of every earlier failure, quadratic):
// the reference the indexed one must agree with.
import type { DbFailure, Failure } from "../../../src/core/failures/model";
import { isFollowOn, type FailureGroup } from "../../../src/core/failures/group";

function norm(s: string): string {
  return s.replace(/\s+/g, " ").trim();
}

/** Messages match when equal, or one is a cut-off start of the other. */
function sameError(a: DbFailure, b: DbFailure): boolean {
  const x = norm(a.message);
  const y = norm(b.message);
  if (x === "" || y === "") return false;
  // the same message from another session: the parameters tell them apart
  if (a.parameters !== undefined && b.parameters !== undefined && !a.truncated && !b.truncated && a.parameters !== b.parameters) return false;
  if (a.values && b.values && a.values.join("\u0000") !== b.values.join("\u0000")) return false;
  if (x === y) return true;
  return (a.truncated === true && y.startsWith(x)) || (b.truncated === true && x.startsWith(y));
}

export function groupFailuresByScan(failures: readonly Failure[]): FailureGroup[] {
  const groups: FailureGroup[] = [];
  const byKey = new Map<string, FailureGroup>();
  const causes: Array<{ f: Failure; g: FailureGroup }> = [];
  failures.forEach((f, i) => {
    if (!isFollowOn(f)) {
      const g: FailureGroup = { key: `failure:${i}`, cause: f, symptoms: [] };
      if (f.db) g.original = f.db;
      groups.push(g);
      causes.push({ f, g });
      return;
    }
    let target: FailureGroup | undefined;
    // 1. same Session (plugin data): the latest earlier failure of that session
    if (f.sessionId) {
      for (let k = causes.length - 1; k >= 0 && !target; k--) {
        const c = causes[k];
        if (c && c.f.sessionId === f.sessionId && c.f.db) target = c.g;
      }
      target ??= byKey.get(`session:${f.sessionId}`);
    }
    // 2. an earlier failure whose error is the one "Original exception was:" names
    const original = f.db?.original;
    if (!target && original) {
      for (let k = causes.length - 1; k >= 0 && !target; k--) {
        const c = causes[k];
        if (c?.f.db && sameError(c.f.db, original)) target = c.g;
      }
    }
    // 3. otherwise symptoms of the same (unseen) original error share a group
    if (!target) {
      const key = f.sessionId
        ? `session:${f.sessionId}`
        : original
          ? `original:${norm(original.driverErrorType ?? "")}|${norm(original.message)}`
          : "original:unknown";
      target = byKey.get(key);
      if (!target) {
        target = { key, symptoms: [] };
        if (original) target.original = original;
        byKey.set(key, target);
        groups.push(target);
      }
    }
    target.symptoms.push(f);
  });
  return groups;
}
