// A test that fails on what it reads (a row count, say) while earlier tests left rows in the
// tables it reads: those tests, and why their rows survived.
import type { Failure } from "../../failures/model";
import { databaseOf, ranBefore, type RunFacts } from "../facts";
import type { Cause } from "../model";
import { mechanismCauses, persistentCause, polluterCause } from "./writer";

const ASSERTION = /(^|\.)AssertionError$/;

export function leakedRowCauses(facts: RunFacts, failure: Failure): Cause[] {
  if (failure.db || !failure.chain.some((l) => ASSERTION.test(l.type))) return [];
  const reads = new Set(facts.provenance.get(failure.nodeid)?.reads ?? []);
  if (reads.size === 0) return [];
  const causes: Cause[] = [];
  const mine = (engine: string) => databaseOf(facts, failure.nodeid, engine);
  for (const nodeid of facts.order) {
    if (nodeid === failure.nodeid || !ranBefore(facts, nodeid, failure.nodeid)) continue;
    for (const g of facts.provenance.get(nodeid)?.writes ?? []) {
      if (g.op !== "insert" || !reads.has(g.table) || (g.survived ?? 0) === 0 || databaseOf(facts, nodeid, g.engine) !== mine(g.engine)) continue;
      const what = `${g.survived === 1 ? "" : `${g.survived} `}${g.table} row${g.survived === 1 ? "" : "s"}`;
      const writer = { nodeid, by: g.by, frame: g.frame, engine: g.engine, committed: g.committed > 0, survived: true, what };
      const polluter = polluterCause(facts, writer, `${failure.nodeid} reads ${g.table} and failed an assertion`, 60);
      if (polluter) causes.push(polluter);
      causes.push(...mechanismCauses(facts, writer, 80));
    }
  }
  if (causes.length === 0) {
    // no earlier test of this run left rows: rows from before the run, in a database that outlives it
    for (const [key, rows] of facts.baselines) {
      const [engine = "", table = ""] = key.split("|");
      if (rows > 0 && reads.has(table)) causes.push(...persistentCause(facts, engine, `${table} already held ${rows} rows when this run first touched it, rows an earlier run left; ${failure.nodeid} reads ${table} and failed an assertion`, 70));
    }
  }
  return causes;
}
