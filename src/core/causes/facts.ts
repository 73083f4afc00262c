// The run as the rules see it: tests in the order they started, each test's provenance, the
// engines, and an index of inserted unique values, by database, back to the tests that wrote them.
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
  /** Each process's engines, "worker|engine" (engine ids repeat from worker to worker). */
  workerEngines: Map<string, EngineData>;
  /** "database|table|columns|values" -> inserts of that unique key, in run order (see databaseOf). */
  inserted: Map<string, Written[]>;
  /** The project's static index, when the caller has one (value and session-state rules need it). */
  project?: ProjectView;
}

export function insertedKey(database: string, table: string, columns: string, values: readonly unknown[]): string {
  return `${database}|${table}|${columns}|${JSON.stringify(values)}`;
}

export function runFacts(messages: readonly Message[], project?: ProjectView): RunFacts {
  const facts = emptyRunFacts(project);
  for (const m of messages) addToRunFacts(facts, m);
  return facts;
}

/** Facts with no message yet: the editor adds each message as it arrives, so a failure's
 * diagnosis costs no pass over the run so far. */
export function emptyRunFacts(project?: ProjectView): RunFacts {
  const facts: RunFacts = { rootdir: "", order: [], position: new Map(), provenance: new Map(), engines: new Map(), baselines: new Map(), outcomes: new Map(), inserted: new Map(), workers: new Map(), workerEngines: new Map() };
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
    const worker = facts.workers.get(nodeid) ?? "";
    for (const e of prov.engines ?? []) {
      facts.engines.set(e.id, e);
      facts.workerEngines.set(`${worker}|${e.id}`, e);
    }
    for (const b of prov.baselines ?? []) facts.baselines.set(`${b.engine}|${b.table}`, b.rows);
    for (const group of prov.writes ?? []) {
      if (group.op !== "insert") continue;
      for (const key of group.keys ?? []) {
        for (const [cols, values] of Object.entries(key)) {
          const k = insertedKey(databaseOf(facts, nodeid, group.engine), group.table, cols, values);
          const list = facts.inserted.get(k);
          if (list) list.push({ nodeid, group });
          else facts.inserted.set(k, [{ nodeid, group }]);
        }
      }
    }
  }
}

/**
 * The database a test reaches through an engine, as a key: two tests see the same rows when
 * their keys are equal. A database that outlives a process (a file, a server) is its URL, shared
 * by every xdist worker; else it is the test's process's own (each worker's in-memory database).
 */
export function databaseOf(facts: RunFacts, nodeid: string, engineId: string): string {
  const worker = facts.workers.get(nodeid) ?? "";
  const engine = facts.workerEngines.get(`${worker}|${engineId}`) ?? facts.engines.get(engineId);
  return engine?.persistent ? `url ${engine.url}` : `worker ${worker}|${engineId}`;
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
