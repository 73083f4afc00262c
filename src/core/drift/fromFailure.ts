// A runtime failure that is drift between factories and models, mapped to the static finding
// that explains it, at the factory or test line (never a SQLAlchemy or factory_boy frame):
// TypeError "'x' is an invalid keyword argument for Model", NOT NULL, FOREIGN KEY, and an
// AttributeError on an enum member. Only findings the failing test reaches (its own calls,
// its fixtures' calls, the factories it calls and their SubFactories) are named.
import type { Cause } from "../causes/model";
import type { Failure } from "../failures/model";
import type { FileFacts } from "../index/facts";
import type { ProjectIndex } from "../index/project";
import { checkFile } from "./check";
import type { Finding } from "./model";
import { driftContext, type DriftContext } from "./surface";

export const DRIFT_CAUSE_RANK = 100;

type Symptom =
  | { kind: "keyword"; name: string; model: string }
  | { kind: "not-null"; table?: string; columns: string[] }
  | { kind: "foreign-key"; table?: string }
  | { kind: "enum"; member: string; enumName?: string };

export function driftCauses(index: ProjectIndex, failure: Failure): Cause[] {
  const symptom = symptomOf(failure);
  if (!symptom) return [];
  const reached = reach(index, failure.nodeid);
  if (!reached) return [];
  const findings: Finding[] = [];
  for (const file of reached.files) for (const f of fileFindings(index, file)) if (reached.symbols.has(f.symbol) && matches(f, symptom)) findings.push(f);
  const seen = new Set<string>();
  return findings
    .filter((f) => !seen.has(`${f.kind}|${f.file}|${f.line}`) && seen.add(`${f.kind}|${f.file}|${f.line}`))
    .map((f, i) => ({ kind: f.kind, file: f.file, line: f.line, symbol: f.symbol, evidence: f.evidence, fixes: [...f.fixes], rank: DRIFT_CAUSE_RANK - i }));
}

// A run's failures reach the same conftest and factory files: each file is checked once per
// index generation, again when its facts change or the index patched a file in place (a
// factories module's edit changes the findings of the factories inheriting from it).
const checked = new WeakMap<DriftContext, { patched: number; byFile: Map<string, { facts: FileFacts | undefined; findings: Finding[] }> }>();

function fileFindings(index: ProjectIndex, file: string): Finding[] {
  const ctx = driftContext(index);
  const patched = index.patchedFiles().length;
  let cache = checked.get(ctx);
  if (!cache || cache.patched !== patched) checked.set(ctx, (cache = { patched, byFile: new Map() }));
  const facts = index.fileFacts(file);
  const hit = cache.byFile.get(file);
  if (hit && hit.facts === facts) return hit.findings;
  const findings = checkFile(index, file);
  cache.byFile.set(file, { facts, findings });
  return findings;
}

function symptomOf(failure: Failure): Symptom | undefined {
  const db = failure.db;
  if (db?.kind === "not-null") {
    const s: Symptom = { kind: "not-null", columns: db.columns };
    if (db.table !== undefined) s.table = db.table;
    return s;
  }
  if (db?.kind === "foreign-key") {
    const s: Symptom = { kind: "foreign-key" };
    const table = db.statementTable ?? db.table;
    if (table !== undefined) s.table = table;
    return s;
  }
  for (const link of failure.chain) {
    const type = link.type.split(".").pop();
    const kw = type === "TypeError" ? /'(\w+)' is an invalid keyword argument for (\w+)/.exec(link.message) : null;
    if (kw?.[1] && kw[2]) return { kind: "keyword", name: kw[1], model: kw[2] };
    if (type !== "AttributeError") continue;
    // Python 3.11 enum: AttributeError('NAME'); other forms name the class too
    const bare = /^'?(\w+)'?$/.exec(link.message.trim());
    if (bare?.[1]) return { kind: "enum", member: bare[1] };
    const typed = /type object '(\w+)' has no attribute '(\w+)'/.exec(link.message);
    if (typed?.[1] && typed[2]) return { kind: "enum", enumName: typed[1], member: typed[2] };
  }
  return undefined;
}

function matches(f: Finding, s: Symptom): boolean {
  const sub = f.subject;
  switch (s.kind) {
    case "keyword":
      return f.kind === "unknown-model-field" && sub.name === s.name && sub.model === s.model;
    case "enum":
      return f.kind === "unknown-enum-member" && sub.member === s.member && (s.enumName === undefined || sub.enumName === s.enumName);
    case "not-null":
      return (f.kind === "missing-required-field" || f.kind === "dangling-foreign-key") && (s.table === undefined || sub.table === s.table) && sub.column !== undefined && s.columns.includes(sub.column);
    case "foreign-key":
      return f.kind === "dangling-foreign-key" && f.evidence.includes("constant") && (s.table === undefined || sub.table === s.table);
  }
}

/** Files and symbols a test reaches: itself, its fixtures, the factories it calls, their SubFactories. */
function reach(index: ProjectIndex, nodeid: string): { files: Set<string>; symbols: Set<string> } | undefined {
  const links = index.testLinks(nodeid.replace(/\[.*\]$/, ""));
  if (!links) return undefined;
  const files = new Set([links.test.file]);
  const symbols = new Set([links.test.nodeId]);
  for (const l of links.fixtures) {
    if (!l.fixture) continue;
    files.add(l.fixture.file);
    symbols.add(`${l.fixture.file}::${l.fixture.className !== undefined ? `${l.fixture.className}::` : ""}${l.fixture.func}`);
  }
  const queue = links.factories.map((l) => l.factory);
  const seen = new Set<string>();
  for (let f = queue.shift(); f; f = queue.shift()) {
    if (seen.has(f.qname)) continue;
    seen.add(f.qname);
    files.add(f.file);
    symbols.add(f.name);
    for (const fld of f.fields) {
      if (fld.kind !== "sub_factory" || fld.target === undefined) continue;
      files.add(fld.file); // an inherited declaration's findings are reported where it is declared
      const target = index.factory(fld.target);
      if (target) queue.push(target);
    }
  }
  return { files, symbols };
}
