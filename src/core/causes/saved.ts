// Causes for saved output (pytest text, junit XML): no runtime provenance, so only what the code
// and the database file say. A unique violation is read against the factories the failing test
// calls (constant, literal, Sequence, random values; persistence "commit" or a committing
// _create) and the database its fixtures and factories reach (a file that outlives the run,
// and whether the conflicting row is in it right now).
import * as path from "node:path";
import type { Failure } from "../failures/model";
import type { FactoryLink, ProjectIndex } from "../index";
import type { FactoryInfo } from "../index/factories";
import type { Cause } from "./model";
import type { ProjectView } from "./statics";
import { literalCause, valueOrigin, type Passed } from "./valueOrigin";

/** Whether the database file holds a row with these values (undefined: cannot tell). */
export type RowProbe = (file: string, table: string, columns: readonly string[], values: readonly string[]) => Promise<boolean | undefined>;

const STATIC = "read from the code, not seen at run time";

function unquote(v: string): string {
  return v.replace(/^'(.*)'$/s, "$1").replace(/^"(.*)"$/s, "$1");
}

export async function savedCauses(project: ProjectView, rootdir: string, failure: Failure, probe?: RowProbe): Promise<Cause[]> {
  const db = failure.db?.kind === "pending-rollback" ? failure.db.original : failure.db;
  const table = db?.table ?? db?.statementTable;
  if (db?.kind !== "unique" || !table) return [];
  const { index } = project;
  const rel = (file: string): string => path.relative(rootdir, path.join(project.root, file)).split(path.sep).join("/");
  const links = index.testLinks(failure.nodeid);
  if (!links) return [];
  const values = (db.values ?? []).map(unquote);
  const causes: Cause[] = [];
  const calls = links.factories.filter((l) => l.table?.name === table);
  const factories = new Map<string, FactoryInfo>(calls.map((l) => [l.factory.qname, l.factory]));
  // the file database the rows live in: the factories' session, else the test's fixtures
  const urls = [...[...factories.values()].flatMap((f) => (f.sessionUrl ? [f.sessionUrl] : [])), ...links.urls];
  const fileUrl = urls.find((u) => u.kind === "sqlite-file" && u.path);
  const dbFile = fileUrl?.path ? path.resolve(rootdir, fileUrl.path) : undefined;
  const inFile = dbFile && probe && values.length === db.columns.length ? await probe(dbFile, table, db.columns, values) : undefined;
  const kept = inFile ? ` ${fileUrl?.path} holds a ${table} row with ${db.columns.map((c, i) => `${c} = ${JSON.stringify(values[i])}`).join(", ")} right now.` : "";

  for (const f of factories.values()) {
    causes.push(...valueCauses(index, links.test.file, f, calls, table, db.columns, values, rel, Boolean(inFile), kept));
    const commit = commitCause(index, f, rel, table, kept);
    if (commit) causes.push(commit);
  }
  if (fileUrl) {
    // the fixture that creates the engine, else one that binds a session to it
    const fixtures = links.fixtures.map((l) => l.fixture);
    const fixture = fixtures.find((x) => x?.engines.some((e) => e.url.path === fileUrl.path)) ?? fixtures.find((x) => x?.sessions.some((e) => e.url?.path === fileUrl.path));
    const where = fixture ? { file: rel(fixture.file), line: fixture.defLine + 1 } : undefined;
    if (where) {
      causes.push({
        kind: "persistent-database",
        ...where,
        symbol: fileUrl.url ?? fileUrl.text,
        evidence: `The test's fixture ${fixture?.name} uses ${fileUrl.url ?? fileUrl.text}, a file that outlives the run (${STATIC}).${kept}`,
        fixes: ["in-memory-database", "transactional-fixture"],
        rank: inFile ? 80 : 70,
      });
    }
  }
  return causes;
}

function valueCauses(index: ProjectIndex, testFile: string, f: FactoryInfo, calls: readonly FactoryLink[], table: string, columns: readonly string[], values: readonly string[], rel: (f: string) => string, inFile: boolean, kept: string): Cause[] {
  const out: Cause[] = [];
  const model = f.model ? index.model(f.model) : undefined;
  columns.forEach((column, i) => {
    const value = values[i];
    if (value === undefined) return;
    const attr = model?.columns.find((c) => c.name === column)?.attr || column;
    const origin = valueOrigin(passedBy(calls, f, attr), f.fields.find((x) => x.name === attr), value);
    if (!origin || origin.kind === "computed") return;
    if (origin.kind === "literal") {
      const at = { file: rel(testFile), line: origin.call.call.line + 1, callee: origin.call.call.text };
      out.push(literalCause(at, attr, value, `${table}.${column}`, ` (${STATIC}).${kept}`, 85));
      return;
    }
    const field = origin.field;
    const where = `${f.name}.${attr} (${rel(field.file)}:${field.line + 1})`;
    const base = { file: rel(field.file), line: field.line + 1, symbol: `${f.name}.${attr}` };
    if (origin.kind === "constant") {
      out.push({ kind: "constant-unique-value", ...base, evidence: `${where} is the constant ${JSON.stringify(value)} for the unique ${table}.${column}: only the first ${f.name}() in a database can have it (${STATIC}).${kept}`, fixes: ["sequence-unique-value"], rank: 86 });
    } else if (origin.kind === "sequence" && inFile) {
      out.push({ kind: "sequence-reset", ...base, evidence: `${where} is a factory.Sequence: its counter starts again at 0 every run (${STATIC}).${kept}`, fixes: ["in-memory-database", "transactional-fixture"], rank: 92 });
    } else if (origin.kind === "random") {
      out.push({ kind: "random-unique-value", ...base, evidence: `${where} is ${field.text.replace(/\s+/g, " ").slice(0, 60)}, a random value for the unique ${table}.${column}: equal draws collide by chance (${STATIC}).`, fixes: ["sequence-unique-value"], rank: 60 });
    }
  });
  return out;
}

/** The factory's calls that pass the attribute, with the literal each passes. */
function passedBy(calls: readonly FactoryLink[], f: FactoryInfo, attr: string): Array<Passed<FactoryLink>> {
  return calls.filter((l) => l.factory === f).flatMap((l): Array<Passed<FactoryLink>> => {
    if (l.call.kwargs[attr] !== undefined) return [{ call: l, literal: l.call.kwargs[attr] }];
    return l.call.otherKwargs.includes(attr) ? [{ call: l, literal: undefined }] : [];
  });
}

/** The 0-based line of an override's `def` (its span starts at its decorator). */
export function overrideDefLine(index: ProjectIndex, o: { file: string; line: number }): number {
  return index.fileFacts(o.file)?.classes.flatMap((c) => [c, ...c.classes]).flatMap((c) => c.methods).find((m) => m.line === o.line)?.defLine ?? o.line;
}

function commitCause(index: ProjectIndex, f: FactoryInfo, rel: (file: string) => string, table: string, kept: string): Cause | undefined {
  const o = f.create?.commits.length ? f.create : f.save?.commits.length ? f.save : undefined;
  if (o) {
    const line = overrideDefLine(index, o) + 1;
    const owner = o.from.split(".").pop() ?? o.from;
    return { kind: "factory-commits", file: rel(o.file), line, symbol: `${owner}.${o.method}`, evidence: `${owner}.${o.method} commits every row ${f.name} creates, so no rollback at teardown can undo the ${table} rows (${STATIC}).${kept}`, fixes: ["remove-commit"], rank: 88 };
  }
  const p = f.meta.sqlalchemy_session_persistence;
  if (p?.literal === "commit") {
    return { kind: "factory-commits", file: rel(f.file), line: f.defLine + 1, symbol: f.name, evidence: `${f.name} has sqlalchemy_session_persistence = "commit" (${rel(p.file)}:${p.line + 1}), so no rollback at teardown can undo the ${table} rows it creates (${STATIC}).${kept}`, fixes: ["persistence-flush"], rank: 88 };
  }
  return undefined;
}

