// Why two rows carried the same unique value: a constant (a factory declaration or a literal in
// the call), a random draw (Faker, fuzzy), or a factory.Sequence whose counter started again at 0
// while the database kept the rows of an earlier run. Needs the project index.
import type { Failure } from "../../failures/model";
import { kwarg, literal } from "../../index/facts";
import type { Conflict } from "../../protocol";
import { at, conflictsOf, describeSite, type RunFacts } from "../facts";
import type { Cause } from "../model";
import { attrOf, callAt, factoryInfo, fieldOf, indexFile } from "../statics";
import { literalCause, valueOrigin, type Passed } from "../valueOrigin";

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
    const writerCall = c.writer ? callAt(facts, c.writer.frame) : undefined;
    c.columns.forEach((column, i) => {
      const value = c.values[i];
      const shown = JSON.stringify(value);
      const attr = attrOf(facts, factory, c.table, column);
      const unique = `${c.table}.${column}`;
      // the other row's own call passed the same literal (a fixture's `UserFactory(email="admin@x")`)
      const mirrored = valueOrigin(passedAt(writerCall, attr), undefined, value);
      if (mirrored?.kind === "literal") causes.push(literalCause(callSite(facts, mirrored.call), attr, value, unique, "; any other insert of it collides.", rank - 10, "also passes"));
      const origin = valueOrigin(passedAt(call, attr), fieldOf(factory, attr), value);
      if (origin?.kind === "literal") {
        causes.push(literalCause(callSite(facts, origin.call), attr, value, unique, `, and ${other}.`, rank));
        return;
      }
      if (!factory || !origin || origin.kind === "computed") return;
      const field = origin.field;
      const file = indexFile(facts, field.file);
      const where = `${factory.name}.${attr} (${file}:${field.line + 1})`;
      const decl = { file, line: field.line + 1, symbol: `${factory.name}.${attr}` };
      if (origin.kind === "constant") {
        causes.push({
          kind: "constant-unique-value",
          ...decl,
          evidence: `${where} is the constant ${shown}, but ${unique} is unique: only the first ${factory.name}() in a database can have it; here ${other}.`,
          fixes: ["sequence-unique-value"],
          rank,
        });
      } else if (origin.kind === "random") {
        causes.push({
          kind: "random-unique-value",
          ...decl,
          evidence: `${where} is ${short(field.text)}, a random value for the unique ${unique}; it drew ${shown} twice: ${other}. Random values collide by chance.`,
          fixes: ["sequence-unique-value"],
          rank,
        });
      } else if (!c.writer && c.existing && (facts.baselines.get(`${c.engine}|${c.table}`) ?? 0) > 0) {
        const engine = facts.engines.get(c.engine);
        const db = engine?.file ? `the file ${engine.file.split(/[\\/]/).pop() ?? engine.file}` : `the database ${engine?.url ?? ""}`.trim();
        causes.push({
          kind: "sequence-reset",
          ...decl,
          evidence: `${where} is a factory.Sequence: its counter starts again at 0 every run, but ${db} kept the ${c.table} row with ${column} = ${shown} from an earlier run (${c.table} held ${facts.baselines.get(`${c.engine}|${c.table}`)} rows when this run first touched it).`,
          // a committing _create may use its own session: the test's transaction cannot reach it
          fixes: c.at?.by.factory?.override?.commits === true ? ["in-memory-database"] : ["in-memory-database", "transactional-fixture"],
          rank: 97,
        });
      }
    });
  }
  return causes;
}

type CallSite = NonNullable<ReturnType<typeof callAt>>;

/** What a call passed for the attribute, if anything. */
function passedAt(call: CallSite | undefined, attr: string): Array<Passed<CallSite>> {
  const v = call ? kwarg(call.call, attr) : undefined;
  return call && v ? [{ call, literal: literal(v) }] : [];
}

function callSite(facts: RunFacts, call: CallSite): { file: string; line: number; callee: string } {
  return { file: indexFile(facts, call.file), line: call.call.line + 1, callee: call.call.t };
}
