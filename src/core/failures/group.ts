// "One cause, N symptoms": follow-on errors (PendingRollbackError, PostgreSQL's "current
// transaction is aborted") are put under the failure that broke the session.
import type { DbFailure, Failure } from "./model";

export interface FailureGroup {
  /** "failure:<index>", "session:<id>" or "original:<message>". */
  key: string;
  /** The failure whose error started it, when that test failed too. */
  cause?: Failure;
  /** The original error as the follow-on errors describe it. */
  original?: DbFailure;
  /** Follow-on failures. */
  symptoms: Failure[];
}

export function isFollowOn(f: Failure): boolean {
  return f.db?.kind === "pending-rollback";
}

function norm(s: string): string {
  return s.replace(/\s+/g, " ").trim();
}

/** Messages match when equal, or one is a cut-off start of the other (x, y: normalized). */
function sameError(a: DbFailure, x: string, b: DbFailure, y: string): boolean {
  if (x === "" || y === "") return false;
  if (!compatible(a, b)) return false;
  if (x === y) return true;
  return (a.truncated === true && y.startsWith(x)) || (b.truncated === true && x.startsWith(y));
}

/** The same message from another session: the parameters or values tell them apart. */
function compatible(a: DbFailure, b: DbFailure): boolean {
  if (a.parameters !== undefined && b.parameters !== undefined && !a.truncated && !b.truncated && a.parameters !== b.parameters) return false;
  return !(a.values && b.values && a.values.join("\u0000") !== b.values.join("\u0000"));
}

// Finding "the latest earlier failure with the same error" by scanning every earlier failure
// was quadratic (thousands of IntegrityErrors and PendingRollbackErrors took seconds). Instead
// each failure is filed under keys that a later original error can look up directly:
//  - its whole message (equal messages);
//  - for a cut-off message, the message (an original may continue it);
//  - the starts of its message that cut-off originals have (their lengths are known up front).
// Under a key, Latest keeps the latest failure per class of parameters/values, so compatible()
// is decided per class rather than per failure.

const ANY = "*";
const paramKey = (d: DbFailure): string => (d.parameters === undefined || d.truncated ? ANY : "=" + d.parameters);
const valuesKey = (d: DbFailure): string => (d.values ? "=" + d.values.join("\u0000") : ANY);

class Latest {
  private all = -1;
  private readonly byP = new Map<string, number>();
  private readonly byV = new Map<string, number>();
  private readonly byPV = new Map<string, number>();

  add(i: number, d: DbFailure): void {
    const p = paramKey(d);
    const v = valuesKey(d);
    this.all = i;
    this.byP.set(p, i);
    this.byV.set(v, i);
    this.byPV.set(p + "\u0001" + v, i);
  }

  /** The latest failure whose parameters and values do not contradict `o`'s, or -1. */
  best(o: DbFailure): number {
    const p = paramKey(o);
    const v = valuesKey(o);
    const ps = p === ANY ? undefined : [ANY, p];
    const vs = v === ANY ? undefined : [ANY, v];
    if (!ps && !vs) return this.all;
    let best = -1;
    if (ps && vs) for (const a of ps) for (const b of vs) best = Math.max(best, this.byPV.get(a + "\u0001" + b) ?? -1);
    else if (ps) for (const a of ps) best = Math.max(best, this.byP.get(a) ?? -1);
    else if (vs) for (const b of vs) best = Math.max(best, this.byV.get(b) ?? -1);
    return best;
  }
}

function file(index: Map<string, Latest>, key: string, i: number, d: DbFailure): void {
  let l = index.get(key);
  if (!l) index.set(key, (l = new Latest()));
  l.add(i, d);
}

/** Hashes of every start of `s` (two 26-bit polynomial hashes), for starts looked up by length. */
function prefixHashes(s: string): string[] {
  const out: string[] = [""];
  let h1 = 0;
  let h2 = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = (h1 * 131 + c) % 67108859;
    h2 = (h2 * 137 + c) % 67108837;
    out.push(i + 1 + ":" + h1 + ":" + h2);
  }
  return out;
}

/** The lengths in `set` up to `max`, in at most min(set size, max) steps. */
function* lengthsUpTo(set: ReadonlySet<number>, max: number): Generator<number> {
  if (set.size <= max) {
    for (const n of set) if (n <= max) yield n;
  } else for (let n = 1; n <= max; n++) if (set.has(n)) yield n;
}

export function groupFailures(failures: readonly Failure[]): FailureGroup[] {
  const groups: FailureGroup[] = [];
  const byKey = new Map<string, FailureGroup>();
  const causes: Array<{ f: Failure; g: FailureGroup; msg: string }> = [];
  const bySession = new Map<string, FailureGroup>(); // latest failure with a DB error per session
  const exact = new Map<string, Latest>();
  const cutCauses = new Map<string, Latest>(); // cut-off cause messages, by prefix hash
  const cutLengths = new Set<number>();
  const starts = new Map<string, Latest>(); // starts of cause messages, by prefix hash
  // lengths of the cut-off originals: the only starts worth filing
  const originalLengths = new Set<number>();
  for (const f of failures) if (isFollowOn(f) && f.db?.original?.truncated) originalLengths.add(norm(f.db.original.message).length);

  const addCause = (f: Failure, g: FailureGroup): void => {
    if (!f.db) return;
    if (f.sessionId) bySession.set(f.sessionId, g);
    const msg = norm(f.db.message);
    const i = causes.push({ f, g, msg }) - 1;
    if (msg === "") return;
    file(exact, msg, i, f.db);
    if (originalLengths.size > 0 || f.db.truncated) {
      const hs = prefixHashes(msg);
      if (f.db.truncated) {
        file(cutCauses, hs[msg.length] ?? "", i, f.db);
        cutLengths.add(msg.length);
      }
      for (const n of lengthsUpTo(originalLengths, msg.length)) file(starts, hs[n] ?? "", i, f.db);
    }
  };

  const findCause = (original: DbFailure): FailureGroup | undefined => {
    const y = norm(original.message);
    if (y === "") return undefined;
    let best = exact.get(y)?.best(original) ?? -1;
    if (cutLengths.size > 0 || original.truncated) {
      const hs = prefixHashes(y);
      if (original.truncated) best = Math.max(best, starts.get(hs[y.length] ?? "")?.best(original) ?? -1);
      for (const n of lengthsUpTo(cutLengths, y.length)) best = Math.max(best, cutCauses.get(hs[n] ?? "")?.best(original) ?? -1);
    }
    const c = causes[best];
    if (!c?.f.db) return undefined;
    if (sameError(c.f.db, c.msg, original, y)) return c.g;
    // a hash collision (never seen): fall back to the plain scan
    for (let k = causes.length - 1; k >= 0; k--) {
      const e = causes[k];
      if (e?.f.db && sameError(e.f.db, e.msg, original, y)) return e.g;
    }
    return undefined;
  };

  failures.forEach((f, i) => {
    if (!isFollowOn(f)) {
      const g: FailureGroup = { key: `failure:${i}`, cause: f, symptoms: [] };
      if (f.db) g.original = f.db;
      groups.push(g);
      addCause(f, g);
      return;
    }
    let target: FailureGroup | undefined;
    // 1. same Session (plugin data): the latest earlier failure of that session
    if (f.sessionId) target = bySession.get(f.sessionId) ?? byKey.get(`session:${f.sessionId}`);
    // 2. an earlier failure whose error is the one "Original exception was:" names
    const original = f.db?.original;
    if (!target && original) target = findCause(original);
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
