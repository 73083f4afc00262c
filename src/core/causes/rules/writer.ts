// Why a row written by another test was still there: the mechanism behind the writer's row (a
// committing factory, a commit in the test, a fixture, pysqlite's savepoint, a file database).
import type { Cause, FixId } from "../model";
import { at, describeSite, relative, type RunFacts } from "../facts";
import type { Frame, WriteSite } from "../../protocol";
import { sessionStateCauses } from "./sessionState";

export interface RowWriter {
  nodeid: string;
  by: WriteSite;
  frame?: Frame | null | undefined;
  engine: string;
  committed: boolean;
  survived?: boolean | undefined;
  what: string; // `users row (email = "a@x")`
}

function survivedText(w: RowWriter): string {
  return w.survived === true ? " and the row was still there after its teardown" : "";
}

/** The earlier test that left the row: its nodeid, at the line that wrote it. */
export function polluterCause(facts: RunFacts, w: RowWriter, victimNoun: string, rank: number): Cause | undefined {
  const loc = at(facts, w.frame);
  if (!loc) return undefined;
  const how = w.committed ? "committed it" : "left it in the shared connection";
  return {
    kind: "polluter-test",
    ...loc,
    symbol: w.nodeid,
    evidence: `${w.nodeid} inserted the ${w.what} at ${loc.file}:${loc.line} (${describeSite(w.by)}), ${how}${survivedText(w)}; ${victimNoun}.`,
    fixes: [],
    rank,
  };
}

/** What made the writer's row outlive its test. */
export function mechanismCauses(facts: RunFacts, w: RowWriter, rank: number): Cause[] {
  const causes: Cause[] = [];
  const factory = w.by.factory;
  const loc = at(facts, w.frame);
  if (factory?.override?.commits && w.committed) {
    causes.push({
      kind: "factory-commits",
      file: relative(facts, factory.override.file),
      line: factory.override.line + 1,
      symbol: `${factory.name}.${factory.override.method}`,
      evidence: `${factory.override.owner}.${factory.override.method} commits: the ${w.what} that ${factory.name} created in ${w.nodeid} was committed${survivedText(w)}, so a rollback at teardown could not undo it.`,
      fixes: ["remove-commit"],
      rank,
    });
  } else if (factory?.persistence === "commit" && w.committed && factory.file !== undefined && factory.line !== undefined) {
    causes.push({
      kind: "factory-commits",
      file: relative(facts, factory.file),
      line: factory.line + 1,
      symbol: factory.name,
      evidence: `${factory.name} has sqlalchemy_session_persistence = "commit": the ${w.what} it created in ${w.nodeid} was committed${survivedText(w)}, so a rollback at teardown could not undo it.`,
      fixes: ["persistence-flush"],
      rank,
    });
  } else if (!factory && w.by.fixture && w.by.fixture.scope !== "function" && w.by.fixture.file !== undefined) {
    causes.push({
      kind: "wide-fixture-scope",
      file: relative(facts, w.by.fixture.file),
      line: (w.by.fixture.line ?? 0) + 1,
      symbol: w.by.fixture.name,
      evidence: `The ${w.by.fixture.scope}-scoped fixture ${w.by.fixture.name} inserted the ${w.what} while setting up ${w.nodeid}${w.committed ? " and committed it" : ""}; every test in its scope shares that row.`,
      fixes: ["transactional-fixture"],
      rank: rank - 5,
    });
  } else if (!factory && w.by.kind === "test" && w.committed && loc) {
    causes.push({
      kind: "test-commits",
      ...loc,
      symbol: w.nodeid,
      evidence: `${w.nodeid} committed the ${w.what} for real (${loc.file}:${loc.line})${survivedText(w)}; the test's fixture did not turn that commit into a savepoint release.`,
      fixes: ["transactional-fixture", "remove-commit"],
      rank: rank - 2,
    });
  }
  if (!w.committed && !causes.some((c) => c.kind === "wide-fixture-scope")) causes.push(...sessionStateCauses(facts, w, rank));
  const tx = facts.provenance.get(w.nodeid)?.tx;
  const engine = facts.engines.get(w.engine);
  const firstUse = engine?.firstUse?.by.fixture;
  if ((tx?.["durableRelease"] ?? 0) > 0 && engine?.dialect === "sqlite" && w.committed) {
    const where = firstUse?.file !== undefined ? { file: relative(facts, firstUse.file), line: (firstUse.line ?? 0) + 1 } : loc;
    if (where) {
      causes.push({
        kind: "fixture-no-isolation",
        ...where,
        symbol: firstUse?.name ?? engine.url,
        evidence: `In ${w.nodeid} a SAVEPOINT was the outermost transaction (pysqlite sends no BEGIN), so releasing it committed the ${w.what}; the fixture's rollback of "the outer transaction" undid nothing. The engine needs the pysqlite BEGIN fix.`,
        fixes: ["pysqlite-savepoint-fix"],
        rank: rank + 2,
      });
    }
  }
  if (engine?.persistent && w.committed) causes.push(...persistentCause(facts, w.engine, `the committed ${w.what} stays in it across tests and runs`, rank - 10));
  return causes;
}

/** The tests' engine points at a database that outlives the run. */
export function persistentCause(facts: RunFacts, engineId: string, why: string, rank: number, fixes: FixId[] = ["in-memory-database", "transactional-fixture"]): Cause[] {
  const engine = facts.engines.get(engineId);
  if (!engine?.persistent) return [];
  const fixture = engine.firstUse?.by.fixture;
  const where = fixture?.file !== undefined ? { file: relative(facts, fixture.file), line: (fixture.line ?? 0) + 1 } : at(facts, engine.firstUse?.frame);
  if (!where) return [];
  const what = engine.file ? `the file ${relative(facts, engine.file)}` : `the ${engine.dialect} database ${engine.url}`;
  return [{
    kind: "persistent-database",
    ...where,
    symbol: engine.url,
    evidence: `The tests use ${what} (first used ${fixture ? `by fixture ${fixture.name}` : "here"}), which outlives the run: ${why}.`,
    fixes,
    rank,
  }];
}
