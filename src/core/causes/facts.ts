// The run as the rules see it: tests in the order they started, each test's provenance, the
// engines, and an index of inserted unique values back to the tests that wrote them.
import * as path from "node:path";
import type { Conflict, EngineData, Frame, Message, Provenance, WriteGroup, WriteSite } from "../protocol";
import type { ProjectView } from "./statics";

export interface Written {
  nodeid: string;
  group: WriteGroup;
}

export interface RunFacts {
  rootdir: string;
  order: string[];
  position: Map<string, number>;
  provenance: Map<string, Provenance>;
  engines: Map<string, EngineData>;
  /** Rows each table held when the run first touched it. */
  baselines: Map<string, number>; // "engine|table" -> rows
  outcomes: Map<string, string>;
  /** xdist worker of each test ("" when serial). */
  workers: Map<string, string>;
  /** "engine|table|columns|values" -> inserts of that unique key, in run order. */
  inserted: Map<string, Written[]>;
  /** The project's static index, when the caller has one (value and session-state rules need it). */
  project?: ProjectView;
}

export function uniqueKey(engine: string, table: string, columns: string, values: readonly unknown[]): string {
  return `${engine}|${table}|${columns}|${JSON.stringify(values)}`;
}

export function runFacts(messages: readonly Message[], project?: ProjectView): RunFacts {
  const facts = emptyRunFacts(project);
  for (const m of messages) addToRunFacts(facts, m);
  return facts;
}

/** Facts with no message yet: the editor adds each message as it arrives, so a failure's
 * diagnosis costs no pass over the run so far. */
export function emptyRunFacts(project?: ProjectView): RunFacts {
  const facts: RunFacts = { rootdir: "", order: [], position: new Map(), provenance: new Map(), engines: new Map(), baselines: new Map(), outcomes: new Map(), inserted: new Map(), workers: new Map() };
  if (project) facts.project = project;
  return facts;
}

export function addToRunFacts(facts: RunFacts, m: Message): void {
  if ((m.type === "started" || m.type === "provenance") && m.worker) facts.workers.set(m.nodeid, m.worker);
  if (m.type === "hello") facts.rootdir = m.rootdir;
  else if (m.type === "started" && !facts.position.has(m.nodeid)) {
    facts.position.set(m.nodeid, facts.order.length);
    facts.order.push(m.nodeid);
  } else if (m.type === "finished") facts.outcomes.set(m.nodeid, m.outcome);
  else if (m.type === "provenance") {
    const { v: _v, type: _t, nodeid, worker: _w, ...prov } = m;
    facts.provenance.set(nodeid, prov);
    for (const e of prov.engines ?? []) facts.engines.set(e.id, e);
    for (const b of prov.baselines ?? []) facts.baselines.set(`${b.engine}|${b.table}`, b.rows);
    for (const group of prov.writes ?? []) {
      if (group.op !== "insert") continue;
      for (const key of group.keys ?? []) {
        for (const [cols, values] of Object.entries(key)) {
          const k = uniqueKey(group.engine, group.table, cols, values);
          const list = facts.inserted.get(k);
          if (list) list.push({ nodeid, group });
          else facts.inserted.set(k, [{ nodeid, group }]);
        }
      }
    }
  }
}

/**
 * Whether two tests could see the same rows through this engine: always in one process; across
 * xdist workers only when the database outlives a process (a file, a server), since each
 * worker's in-memory database is its own (and engine ids repeat from worker to worker).
 */
export function sameDatabase(facts: RunFacts, a: string, b: string, engineId: string): boolean {
  return (facts.workers.get(a) ?? "") === (facts.workers.get(b) ?? "") || facts.engines.get(engineId)?.persistent === true;
}

/** Tests that started before `nodeid` (under xdist: on any worker). */
export function ranBefore(facts: RunFacts, a: string, b: string): boolean {
  return (facts.position.get(a) ?? Infinity) < (facts.position.get(b) ?? -Infinity);
}

export function relative(facts: Pick<RunFacts, "rootdir">, file: string): string {
  const rel = facts.rootdir && path.isAbsolute(file) ? path.relative(facts.rootdir, file) : file;
  return rel.split(path.sep).join("/");
}

/** A 0-based frame as a 1-based location. */
export function at(facts: RunFacts, frame: Frame | null | undefined): { file: string; line: number } | undefined {
  return frame ? { file: relative(facts, frame.file), line: frame.line + 1 } : undefined;
}

export function describeSite(by: WriteSite): string {
  if (by.factory) return by.factory.name;
  if (by.fixture) return `fixture ${by.fixture.name}`;
  if (by.test) return "the test body";
  return "code outside any test";
}

export function conflictsOf(facts: RunFacts, nodeid: string): Conflict[] {
  return facts.provenance.get(nodeid)?.conflicts ?? [];
}

export function valueText(columns: readonly string[], values: readonly unknown[]): string {
  return columns.map((c, i) => `${c} = ${JSON.stringify(values[i])}`).join(", ");
}
