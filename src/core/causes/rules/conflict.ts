// A unique violation: the row it collided with, who wrote it and why it was still there.
import type { Failure } from "../../failures/model";
import type { Conflict } from "../../protocol";
import { conflictsOf, databaseOf, insertedKey, ranBefore, valueText, type RunFacts } from "../facts";
import type { Cause } from "../model";
import { at, relative } from "../facts";
import { mechanismCauses, persistentCause, polluterCause, type RowWriter } from "./writer";

function sameValues(c: Conflict, f: Failure): boolean {
  const db = f.db;
  if (!db?.values || db.values.length === 0) return true; // the failure did not print them: trust the tracer
  const mine = c.values.map((v) => String(v));
  return db.values.every((v) => mine.includes(v.replace(/^'(.*)'$/, "$1")));
}

export function conflictCauses(facts: RunFacts, failure: Failure): Cause[] {
  if (failure.db?.kind !== "unique") return [];
  const causes: Cause[] = [];
  const conflicts = conflictsOf(facts, failure.nodeid).filter((c) => (!failure.db?.table || c.table === failure.db.table) && sameValues(c, failure));
  for (const c of conflicts) {
    const what = `${c.table} row (${valueText(c.columns, c.values)})`;
    const w = c.writer;
    // a writer whose row was rolled back, or gone after its teardown, is no evidence
    if (w && (w.state === "rolledBack" || w.survived === false)) continue;
    if (w && w.nodeid !== failure.nodeid) {
      const writer: RowWriter = { nodeid: w.nodeid, by: w.by, frame: w.frame, engine: c.engine, committed: w.state === "committed", survived: w.survived, what };
      const polluter = polluterCause(facts, writer, `${failure.nodeid} then inserted the same values`, 70);
      if (polluter) causes.push(polluter);
      causes.push(...mechanismCauses(facts, writer, 90));
    } else if (!w) {
      // not written by this process: from before the run, or by another xdist worker
      const key = insertedKey(databaseOf(facts, failure.nodeid, c.engine), c.table, c.columns.join(","), c.values);
      // rows that stayed: committed and not found gone, or found there after teardown (a
      // rolled-back or deleted row of this process comes here without its writer, and is none)
      const stayed = (g: { committed: number; survived?: number }): boolean => (g.committed > 0 && g.survived !== 0) || (g.survived ?? 0) > 0;
      const others = (facts.inserted.get(key) ?? []).filter((x) => x.nodeid !== failure.nodeid && stayed(x.group) && ranBefore(facts, x.nodeid, failure.nodeid));
      const other = others[others.length - 1];
      if (other) {
        const writer: RowWriter = { nodeid: other.nodeid, by: other.group.by, frame: other.group.frame, engine: other.group.engine, committed: other.group.committed > 0, survived: (other.group.survived ?? 0) > 0, what };
        const polluter = polluterCause(facts, writer, `${failure.nodeid} then inserted the same values`, 70);
        if (polluter) causes.push(polluter);
        causes.push(...mechanismCauses(facts, writer, 90));
      } else if (c.existing) {
        // "from before the run" needs the table to have held rows when the run first touched it
        const rows = facts.baselines.get(`${c.engine}|${c.table}`) ?? 0;
        if (rows > 0) {
          causes.push(...originCauses(facts, failure, c, what));
          // a committing _create may use its own session: the test's transaction cannot reach it
          const ownCommit = c.at?.by.factory?.override?.commits === true;
          causes.push(...persistentCause(facts, c.engine, `the ${what} was there before this run wrote anything; ${c.table} already held ${rows} rows when this run first touched it`, 95, ownCommit ? ["in-memory-database"] : undefined));
        }
      }
    }
  }
  return causes;
}

/** A row from an earlier run: the code that made this insert commits what it writes, so the same
 * code left the row last time (the victim's own factory or service call). */
function originCauses(facts: RunFacts, failure: Failure, c: Conflict, what: string): Cause[] {
  const site = c.at;
  if (!site) return [];
  const factory = site.by.factory;
  if (factory?.override?.commits) {
    const o = factory.override;
    return [{
      kind: "factory-commits",
      file: relative(facts, o.file),
      line: o.line + 1,
      symbol: `${factory.name}.${o.method}`,
      evidence: `${o.owner}.${o.method} commits every row ${factory.name} creates; the ${what} it committed in an earlier run is still in the database, so ${failure.nodeid}'s insert collided with it.`,
      fixes: ["remove-commit"],
      rank: 96,
    }];
  }
  if (factory?.persistence === "commit" && factory.file !== undefined && factory.line !== undefined) {
    return [{
      kind: "factory-commits",
      file: relative(facts, factory.file),
      line: factory.line + 1,
      symbol: factory.name,
      evidence: `${factory.name} has sqlalchemy_session_persistence = "commit"; the ${what} it committed in an earlier run is still in the database, so ${failure.nodeid}'s insert collided with it.`,
      fixes: ["persistence-flush"],
      rank: 96,
    }];
  }
  // the same line committed rows that outlived their tests in this run too
  const loc = at(facts, site.frame);
  if (!loc || factory) return [];
  for (const [nodeid, prov] of facts.provenance) {
    const same = (prov.writes ?? []).find((g) => g.frame && at(facts, g.frame)?.file === loc.file && at(facts, g.frame)?.line === loc.line && g.committed > 0 && (g.survived ?? 0) > 0);
    if (same) {
      return [{
        kind: "test-commits",
        ...loc,
        symbol: failure.nodeid,
        evidence: `The code at ${loc.file}:${loc.line} commits what it inserts (in this run the row ${nodeid} wrote there was committed and outlived the test); the ${what} it committed in an earlier run is still in the database, so ${failure.nodeid}'s insert collided with it.`,
        fixes: ["transactional-fixture", "remove-commit"],
        rank: 96,
      }];
    }
  }
  return [];
}
