// PendingRollbackError and friends: the session was broken earlier by an error nobody rolled
// back. The root is the test where that error happened, even when it passed (pytest.raises).
import type { Failure } from "../../failures/model";
import type { Conflict } from "../../protocol";
import { at, ranBefore, valueText, type RunFacts } from "../facts";
import type { Cause } from "../model";

function matchesOriginal(c: Conflict, failure: Failure): boolean {
  const original = failure.db?.original;
  if (original?.table && original.table !== c.table) return false;
  if (original?.columns.length && !original.columns.every((col) => c.columns.includes(col))) return false;
  if (!original?.values?.length) return true;
  const mine = c.values.map((v) => String(v));
  return original.values.every((v) => mine.includes(v.replace(/^'(.*)'$/, "$1")));
}

/** The test whose unrolled-back error broke the session, latest first. */
export function rootOf(facts: RunFacts, failure: Failure): { nodeid: string; conflict: Conflict } | undefined {
  if (failure.db?.kind !== "pending-rollback") return undefined;
  const candidates = [failure.nodeid, ...facts.order.filter((n) => ranBefore(facts, n, failure.nodeid)).reverse()];
  for (const nodeid of candidates) {
    const conflict = (facts.provenance.get(nodeid)?.conflicts ?? []).find((c) => matchesOriginal(c, failure));
    if (conflict) return { nodeid, conflict };
  }
  return undefined;
}

export function cascadeCauses(facts: RunFacts, failure: Failure): Cause[] {
  const root = rootOf(facts, failure);
  if (!root) return [];
  const loc = at(facts, root.conflict.at?.frame);
  if (!loc) return [];
  const passed = facts.outcomes.get(root.nodeid) === "passed" ? " (that test passed: it caught the error)" : "";
  return [{
    kind: "pending-rollback-cascade",
    ...loc,
    symbol: root.nodeid,
    evidence: `The session was broken in ${root.nodeid}${passed} by an IntegrityError on ${root.conflict.table} (${valueText(root.conflict.columns, root.conflict.values)}) at ${loc.file}:${loc.line} that was never rolled back; every later use of that session raises PendingRollbackError.`,
    fixes: ["rollback-after-error", "transactional-fixture"],
    rank: 100,
  }];
}
