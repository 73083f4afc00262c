// Why two rows carried the same unique value: a constant (a factory declaration or a literal in
// the call), a random draw (Faker, fuzzy), or a factory.Sequence whose counter started again at 0
// while the database kept the rows of an earlier run. Needs the project index.
import type { Failure } from "../../failures/model";
import { kwarg, literal } from "../../index/facts";
import type { FieldInfo } from "../../index/factories";
import type { Conflict } from "../../protocol";
import { at, conflictsOf, describeSite, type RunFacts } from "../facts";
import type { Cause } from "../model";
import { attrOf, callAt, factoryInfo, fieldOf, indexFile } from "../statics";

const RANDOM_KINDS: ReadonlySet<FieldInfo["kind"]> = new Set(["faker", "fuzzy"]);

function short(text: string, max = 60): string {
  const one = text.replace(/\s+/g, " ");
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** Where the other row came from, as a clause: "fixture admin inserted it earlier in this test (conftest.py:66)". */
function earlier(facts: RunFacts, c: Conflict, failure: Failure): string {
  const w = c.writer;
  if (!w) return "the row was already in the database";
  const loc = at(facts, w.frame);
  const where = loc ? ` (${loc.file}:${loc.line})` : "";
  const who = w.by.fixture ? `fixture ${w.by.fixture.name}${w.by.factory ? ` (through ${w.by.factory.name})` : ""}` : describeSite(w.by);
  if (w.nodeid === failure.nodeid) return `${who} inserted it earlier in this test${where}`;
  return `${w.nodeid} inserted it first${where} and the row was still there`;
}

/** Whether a Sequence's format ("user%d@x", f"user{n}@x") can produce the value; true when it has no literal to tell. */
export function sequenceCouldMake(text: string, value: unknown): boolean {
  const formats = [...text.matchAll(/(?:^|[^\w])[fF]?(["'])((?:(?!\1).)*)\1/g)].map((m) => m[2] ?? "").filter((f) => /%[-\d.]*[dsi]|\{[^}]*\}/.test(f));
  if (formats.length === 0) return true;
  const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return formats.some((f) => {
    const parts = f.split(/%[-\d.]*[dsi]|\{[^}]*\}/);
    return new RegExp(`^${parts.map(escape).join(".+?")}$`).test(String(value));
  });
}

export function valueCauses(facts: RunFacts, failure: Failure): Cause[] {
  if (failure.db?.kind !== "unique" || !facts.project) return [];
  const causes: Cause[] = [];
  for (const c of conflictsOf(facts, failure.nodeid)) {
    if (failure.db.table && c.table !== failure.db.table) continue;
    // inside one test nothing leaked: the value is the whole story
    const inTest = c.writer?.nodeid === failure.nodeid;
    const rank = inTest ? 92 : 80;
    const other = earlier(facts, c, failure);
    const factory = factoryInfo(facts, c.at?.by);
    const call = callAt(facts, c.at?.frame);
    c.columns.forEach((column, i) => {
      const value = c.values[i];
      const shown = JSON.stringify(value);
      const attr = attrOf(facts, factory, c.table, column);
      causes.push(...writerLiteral(facts, c, attr, column, value, rank - 10));
      const passed = call ? kwarg(call.call, attr) : undefined;
      if (call && passed) {
        const lit = literal(passed);
        if (lit === undefined || String(lit) !== String(value)) return; // the caller computed it
        const file = indexFile(facts, call.file);
        causes.push({
          kind: "constant-unique-value",
          file,
          line: call.call.line + 1,
          symbol: `${call.call.t}(${attr}=${shown})`,
          evidence: `${file}:${call.call.line + 1} passes the constant ${attr}=${shown} for the unique ${c.table}.${column}, and ${other}.`,
          fixes: ["sequence-unique-value"],
          rank,
        });
        return;
      }
      const field = fieldOf(factory, attr);
      if (!factory || !field) return;
      const file = indexFile(facts, field.file);
      const where = `${factory.name}.${attr} (${file}:${field.line + 1})`;
      if (field.kind === "constant" && String(field.value) === String(value)) {
        causes.push({
          kind: "constant-unique-value",
          file,
          line: field.line + 1,
          symbol: `${factory.name}.${attr}`,
          evidence: `${where} is the constant ${shown}, but ${c.table}.${column} is unique: only the first ${factory.name}() in a database can have it; here ${other}.`,
          fixes: ["sequence-unique-value"],
          rank,
        });
      } else if (RANDOM_KINDS.has(field.kind)) {
        causes.push({
          kind: "random-unique-value",
          file,
          line: field.line + 1,
          symbol: `${factory.name}.${attr}`,
          evidence: `${where} is ${short(field.text)}, a random value for the unique ${c.table}.${column}; it drew ${shown} twice: ${other}. Random values collide by chance.`,
          fixes: ["sequence-unique-value"],
          rank,
        });
      } else if (field.kind === "sequence" && sequenceCouldMake(field.text, value) && !c.writer && c.existing && (facts.baselines.get(`${c.engine}|${c.table}`) ?? 0) > 0) {
        const engine = facts.engines.get(c.engine);
        const db = engine?.file ? `the file ${engine.file.split(/[\\/]/).pop() ?? engine.file}` : `the database ${engine?.url ?? ""}`.trim();
        causes.push({
          kind: "sequence-reset",
          file,
          line: field.line + 1,
          symbol: `${factory.name}.${attr}`,
          evidence: `${where} is a factory.Sequence: its counter starts again at 0 every run, but ${db} kept the ${c.table} row with ${column} = ${shown} from an earlier run (${c.table} held ${facts.baselines.get(`${c.engine}|${c.table}`)} rows when this run first touched it).`,
          fixes: ["in-memory-database", "transactional-fixture"],
          rank: 97,
        });
      }
    });
  }
  return causes;
}

/** The other row's own call passed the same literal (a fixture's `UserFactory(email="admin@x")`). */
function writerLiteral(facts: RunFacts, c: Conflict, attr: string, column: string, value: unknown, rank: number): Cause[] {
  const call = c.writer ? callAt(facts, c.writer.frame) : undefined;
  const lit = call ? literal(kwarg(call.call, attr)) : undefined;
  if (!call || lit === undefined || String(lit) !== String(value)) return [];
  const file = indexFile(facts, call.file);
  const shown = JSON.stringify(value);
  return [{
    kind: "constant-unique-value",
    file,
    line: call.call.line + 1,
    symbol: `${call.call.t}(${attr}=${shown})`,
    evidence: `${file}:${call.call.line + 1} also passes the constant ${attr}=${shown} for the unique ${c.table}.${column}; any other insert of it collides.`,
    fixes: ["sequence-unique-value"],
    rank,
  }];
}
