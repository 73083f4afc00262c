// The `diagnose --json` document (version 1; schema/diagnose.schema.json): the contract every face
// reads. Built from one run's messages and diagnoses, or from saved output (no provenance).
import { redact } from "./redact";
import type { Failure } from "../failures/model";
import type { EngineData, Message } from "../protocol";
import { relative } from "./facts";
import type { Cause, Diagnosis, FixId } from "./model";

export const DOCUMENT_VERSION = 1;

export interface DocumentCause {
  kind: string;
  file: string;
  line: number;
  symbol: string;
  evidence: string;
  fixes: FixId[];
}

export interface DocumentFailure {
  nodeid: string;
  phase: string;
  error: { kind: string | null; type: string; dialect: string | null; driver: string | null; table: string | null; columns: string[]; values: string[]; message: string };
  location: { file: string; line: number } | null;
  causes: DocumentCause[];
  rootOf: string | null;
}

export interface DiagnoseDocument {
  version: 1;
  summary: { tests: number; passed: number; failed: number; errors: number; skipped: number; durationMs: number };
  failures: DocumentFailure[];
  engines: Array<Omit<EngineData, "firstUse">>;
  warnings: string[];
}

function firstLines(text: string, n = 2): string {
  return text.split("\n").filter((l) => l.trim()).slice(0, n).join("\n");
}

function errorOf(f: Failure): DocumentFailure["error"] {
  const link = f.chain[0];
  const db = f.db;
  return {
    kind: db?.kind ?? null,
    type: link?.type ?? "",
    dialect: db?.dialect ?? null,
    driver: db?.driver ?? null,
    table: db?.table ?? db?.statementTable ?? null,
    columns: db?.columns ?? [],
    values: db?.values ?? [],
    message: redact(firstLines(db?.message || link?.message || "")),
  };
}

export interface RunSummary {
  durationMs: number;
  outcomes: ReadonlyMap<string, string>;
  warnings?: readonly string[];
  /** Causes found outside the run's own evidence (a polluter search by bisection), per test. */
  extraCauses?: ReadonlyMap<string, readonly Cause[]>;
}

/** `diagnosed`: the run's diagnoses, one per failure (computed once by the caller, who may need them too). */
export function buildDocument(messages: readonly Message[], diagnosed: readonly Diagnosis[], run: RunSummary): DiagnoseDocument {
  const rootdir = messages.find((m): m is Extract<Message, { type: "hello" }> => m.type === "hello")?.rootdir ?? "";
  const count = (o: string) => [...run.outcomes.values()].filter((x) => x === o).length;
  // one entry per failing test: its first failed phase (call before teardown)
  const seen = new Set<string>();
  const firstPerTest = diagnosed.filter((d) => !seen.has(d.nodeid) && seen.add(d.nodeid));
  const diagnoses: Diagnosis[] = firstPerTest.map((d) => {
    const extra = run.extraCauses?.get(d.nodeid);
    return extra?.length ? { ...d, causes: [...d.causes, ...extra].sort((a, b) => b.rank - a.rank) } : d;
  });
  const engines = new Map<string, Omit<EngineData, "firstUse">>();
  const warnings = new Set(run.warnings ?? []);
  for (const m of messages) {
    if (m.type !== "provenance") continue;
    for (const { firstUse: _f, ...e } of m.engines ?? []) engines.set(e.id, { ...e, url: redact(e.url) });
    if (m.warning) warnings.add(`provenance: ${m.warning}`);
  }
  return {
    version: DOCUMENT_VERSION,
    summary: { tests: run.outcomes.size, passed: count("passed"), failed: count("failed"), errors: count("errored"), skipped: count("skipped"), durationMs: Math.round(run.durationMs) },
    failures: diagnoses.map((d) => ({
      nodeid: d.nodeid,
      phase: d.failure.phase,
      error: errorOf(d.failure),
      location: d.failure.userFrame ? { file: relative({ rootdir }, d.failure.userFrame.file), line: d.failure.userFrame.line + 1 } : null,
      causes: d.causes.map(({ kind, file, line, symbol, evidence, fixes }) => ({ kind, file, line, symbol: redact(symbol), evidence: redact(evidence), fixes })),
      rootOf: d.rootOf,
    })),
    engines: [...engines.values()],
    warnings: [...warnings],
  };
}
