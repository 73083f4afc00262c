// The document as terminal text (clickable file:line, optional colour) or as GitHub workflow
// annotations. Follow-on failures are listed once, under the test that broke their session.
import { printable } from "../printable";
import type { DiagnoseDocument, DocumentFailure } from "./document";
import type { FixId } from "./model";

export const FIX_HINTS: Record<FixId, string> = {
  "persistence-flush": 'set sqlalchemy_session_persistence = "flush" (the test\'s transaction then owns the row)',
  "sequence-unique-value": "fill the unique column with factory.Sequence",
  "transactional-fixture": "wrap each test in a connection-level transaction that the fixture rolls back",
  "pysqlite-savepoint-fix": 'give the engine the pysqlite fix: isolation_level = None on "connect" and BEGIN on "begin"',
  "in-memory-database": "point the tests at an in-memory SQLite (or a database created per run)",
  "rollback-after-error": "roll the session back after a caught database error (or give each test its own session)",
  "remove-commit": "flush instead of commit there (or commit inside a savepoint the fixture controls)",
  "per-call-session": "keep the session _create makes in a local instead of on cls._meta",
  "reset-shared-session": "remove (or roll back) the import-time session after every test, in an autouse fixture",
  "rename-model-field": "use the model's attribute name (orm-test-doctor check shows the edit)",
  "add-required-field": "declare the required column in the factory (a Sequence, a SubFactory or a value of its type)",
  "replace-enum-member": "use the enum member the class defines",
};

interface Style {
  bold(s: string): string;
  red(s: string): string;
  dim(s: string): string;
  cyan(s: string): string;
}

const PLAIN: Style = { bold: (s) => s, red: (s) => s, dim: (s) => s, cyan: (s) => s };
const ANSI: Style = {
  bold: (s) => `\x1b[1m${s}\x1b[22m`,
  red: (s) => `\x1b[31m${s}\x1b[39m`,
  dim: (s) => `\x1b[2m${s}\x1b[22m`,
  cyan: (s) => `\x1b[36m${s}\x1b[39m`,
};

function headline(f: DocumentFailure): string {
  const e = f.error;
  const type = e.type.split(".").pop() ?? e.type;
  if (e.kind && e.table) return `${type}: ${e.kind.toUpperCase()} ${e.table}(${e.columns.join(", ")})${e.values.length ? ` = ${e.values.join(", ")}` : ""}`;
  return `${type}${e.message ? `: ${e.message.split("\n")[0]}` : ""}`;
}

export function formatText(doc: DiagnoseDocument, color: boolean): string[] {
  const s = color ? ANSI : PLAIN;
  const out: string[] = [];
  const followOns = new Map<string, DocumentFailure[]>();
  for (const f of doc.failures) if (f.rootOf && f.rootOf !== f.nodeid) followOns.set(f.rootOf, [...(followOns.get(f.rootOf) ?? []), f]);
  const causeLines = (f: DocumentFailure) => {
    f.causes.forEach((c, i) => {
      out.push(`    ${s.bold(i === 0 ? "cause" : `also `)}  ${s.cyan(`${c.file}:${c.line}`)}  ${c.kind}  ${s.dim(c.symbol)}`);
      out.push(`           ${printable(c.evidence, false)}`);
      for (const fix of c.fixes) out.push(`           ${s.dim(`fix: ${FIX_HINTS[fix]}`)}`);
    });
    if (f.causes.length === 0) out.push(`    ${s.dim("no cause found in this run's evidence")}`);
  };
  const listed = new Set<string>();
  for (const f of doc.failures) {
    if (listed.has(f.nodeid)) continue;
    if (f.rootOf && f.rootOf !== f.nodeid) {
      const group = followOns.get(f.rootOf) ?? [f];
      out.push(`${s.red("✗")} ${s.bold(`${group.length} test${group.length === 1 ? "" : "s"}`)} failed after ${printable(f.rootOf, false)} broke their session (${printable(headline(f), false)}):`);
      for (const g of group) {
        listed.add(g.nodeid);
        out.push(`    ${printable(g.nodeid, false)}${g.location ? `  ${s.cyan(`${g.location.file}:${g.location.line}`)}` : ""}`);
      }
      causeLines(f);
    } else {
      listed.add(f.nodeid);
      out.push(`${s.red("✗")} ${s.bold(printable(f.nodeid, false))} (${f.phase})  ${printable(headline(f), false)}`);
      if (f.location) out.push(`    at ${s.cyan(`${f.location.file}:${f.location.line}`)}`);
      causeLines(f);
    }
    out.push("");
  }
  const sum = doc.summary;
  out.push(`${sum.passed} passed, ${sum.failed} failed, ${sum.errors} errors, ${sum.skipped} skipped in ${(sum.durationMs / 1000).toFixed(1)} s`);
  for (const w of doc.warnings) out.push(s.dim(`warning: ${printable(w, false)}`));
  return out;
}

function escapeData(s: string): string {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

/** `::error file=…,line=…,title=…::…` on each failing line and each cause's location. */
export function formatGithub(doc: DiagnoseDocument): string[] {
  const out: string[] = [];
  for (const f of doc.failures) {
    const first = f.causes[0];
    if (f.location) {
      const msg = `${headline(f)}${first ? `\nCause: ${first.kind} at ${first.file}:${first.line}: ${first.evidence}` : ""}`;
      out.push(`::error file=${escapeProperty(f.location.file)},line=${f.location.line},title=${escapeProperty(f.nodeid)}::${escapeData(msg)}`);
    }
    for (const c of f.causes) {
      out.push(`::error file=${escapeProperty(c.file)},line=${c.line},title=${escapeProperty(`${c.kind} (${f.nodeid})`)}::${escapeData(c.evidence)}`);
    }
  }
  return out;
}
