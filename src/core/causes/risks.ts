// Before any run, from the project index alone: the patterns that leak rows, in the causes' shape
// (so the same quick fixes apply). Each is one of four kinds a user can turn off; a project whose
// fixture isolates its tests and whose factories flush says nothing.
import type { ProjectIndex } from "../index";
import type { FactoryInfo } from "../index/factories";
import type { ModelInfo } from "../index/models";
import { isTestSetup, type FixtureInfo } from "../index/fixtures";
import type { Cause } from "./model";
import { overrideDefLine } from "./saved";

export type RiskKind = "committingFactory" | "constantUniqueValue" | "fileDatabase" | "classLevelSession";

export interface Risk extends Cause {
  risk: RiskKind;
}

const BEFORE_RUN = "found before any run, from the code";

/** A fixture that runs each test in an outer transaction it rolls back (the recipe, or close to it). */
export function isolatingFixture(f: FixtureInfo): boolean {
  return f.begins.length > 0 && f.rollbacks.length > 0 && (f.nested.length > 0 || f.sessions.some((s) => s.joinTransactionMode === "create_savepoint"));
}

const lastPart = (qname: string) => qname.split(".").pop() ?? qname;

export function risksOf(index: ProjectIndex, enabled: (kind: RiskKind) => boolean = () => true): Risk[] {
  const out = new Map<string, Risk>();
  const add = (r: Risk) => {
    const key = `${r.file}|${r.line}|${r.kind}`;
    if (enabled(r.risk) && !out.has(key)) out.set(key, r);
  };
  const factories = index.factories();
  const isolated = index.fixtures().some(isolatingFixture);
  const byQname = new Map(factories.map((f) => [f.qname, f]));
  const models = new Map(index.models().map((m) => [m.qname, m])); // tens of thousands of factories on big projects
  for (const f of factories) {
    if (!isolated) committing(index, f, byQname, add);
    constants(index, models, f, add);
    for (const m of f.create?.metaAssigns ?? []) {
      if (m.attr !== "sqlalchemy_session" || !f.create) continue;
      const owner = lastPart(f.create.from);
      add({ risk: "classLevelSession", kind: "shared-session-state", file: f.create.file, line: m.line + 1, symbol: `${owner}._create`, evidence: `${owner}._create sets the class-level ${m.text.split("=")[0]?.trim() ?? "cls._meta.sqlalchemy_session"}: every later call of the factory uses the session of whoever called it last, rows and broken transactions included (${BEFORE_RUN}).`, fixes: ["per-call-session"], rank: 0 });
    }
  }
  for (const e of index.engines()) {
    if (e.url.kind !== "sqlite-file" || !isTestSetup(e.file)) continue;
    add({ risk: "fileDatabase", kind: "persistent-database", file: e.file, line: e.line + 1, symbol: e.url.url ?? e.url.text, evidence: `The test set-up creates an engine on the file database ${e.url.path ?? e.url.text} (${e.owner}): whatever a test commits there stays for the next tests and the next run (${BEFORE_RUN}).`, fixes: ["in-memory-database", "transactional-fixture"], rank: 0 });
  }
  return [...out.values()];
}

function committing(index: ProjectIndex, f: FactoryInfo, byQname: Map<string, FactoryInfo>, add: (r: Risk) => void): void {
  const p = f.meta.sqlalchemy_session_persistence;
  if (p?.literal === "commit") {
    const owner = byQname.get(p.from) ?? f;
    add({ risk: "committingFactory", kind: "factory-commits", file: owner.file, line: owner.defLine + 1, symbol: owner.name, evidence: `${owner.name} has sqlalchemy_session_persistence = "commit" and no fixture of the project runs tests in an outer transaction: the rows it creates outlive their test (${BEFORE_RUN}).`, fixes: ["persistence-flush"], rank: 0 });
  }
  const c = f.create;
  if (c && c.commits.length > 0) {
    const owner = lastPart(c.from);
    // the def's line, not its decorator's: where the run's cause puts it too
    add({ risk: "committingFactory", kind: "factory-commits", file: c.file, line: overrideDefLine(index, c) + 1, symbol: `${owner}._create`, evidence: `${owner}._create commits every row it saves, and no fixture of the project runs tests in an outer transaction: the rows outlive their test (${BEFORE_RUN}).`, fixes: ["remove-commit"], rank: 0 });
  }
}

function constants(index: ProjectIndex, models: ReadonlyMap<string, ModelInfo>, f: FactoryInfo, add: (r: Risk) => void): void {
  if (f.abstract || !f.model || !f.fields.some((x) => x.kind === "constant")) return;
  const model = models.get(f.model);
  for (const field of f.fields) {
    if (field.kind !== "constant" || field.value === null || field.value === undefined) continue;
    const column = model?.columns.find((c) => c.attr === field.name);
    const table = model?.table ? index.table(model.table) : undefined;
    const unique = column && (column.unique || column.primaryKey || table?.keys.some((k) => (k.kind === "unique" || k.kind === "unique_index") && k.columns.length === 1 && k.columns[0] === column.name));
    if (!unique) continue;
    const owner = lastPart(field.from);
    add({ risk: "constantUniqueValue", kind: "constant-unique-value", file: field.file, line: field.line + 1, symbol: `${owner}.${field.name}`, evidence: `${owner}.${field.name} is the constant ${JSON.stringify(field.value)} for the unique ${model?.table ?? model?.name}.${column.name}: the second ${f.name}() in a database collides (${BEFORE_RUN}).`, fixes: ["sequence-unique-value"], rank: 0 });
  }
}
