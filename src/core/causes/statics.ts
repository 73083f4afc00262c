// Where runtime provenance meets the project index: the factory class a write went through, the
// declaration behind one of its columns, the call at a frame's line. Index paths are relative to
// the indexed folder; provenance paths are absolute.
import * as path from "node:path";
import type { ProjectIndex } from "../index";
import type { CallFact, FuncFact } from "../index/facts";
import type { FactoryInfo, FieldInfo } from "../index/factories";
import type { Frame, WriteSite } from "../protocol";
import { relative, type RunFacts } from "./facts";

/** The project index and the folder it was built from. */
export interface ProjectView {
  index: ProjectIndex;
  root: string;
}

/** An index path as a cause location's file (relative to pytest's rootdir). */
export function indexFile(facts: RunFacts, rel: string): string {
  return facts.project ? relative(facts, path.join(facts.project.root, rel)) : rel;
}

function indexPath(facts: RunFacts, file: string): string | undefined {
  if (!facts.project) return undefined;
  const rel = path.relative(facts.project.root, file);
  return rel.startsWith("..") || path.isAbsolute(rel) ? undefined : rel.split(path.sep).join("/");
}

/** The factory class behind a runtime write, matched by file and class line, else by name. */
export function factoryInfo(facts: RunFacts, site: WriteSite | undefined): FactoryInfo | undefined {
  const f = site?.factory;
  const index = facts.project?.index;
  if (!f || !index) return undefined;
  const rel = f.file !== undefined ? indexPath(facts, f.file) : undefined;
  const all = index.factories();
  return all.find((x) => x.file === rel && (x.defLine === f.line || x.line === f.line)) ?? all.find((x) => x.name === f.name && (rel === undefined || x.file === rel));
}

/** The Python attribute mapped to a table column (factories and calls use attribute names). */
export function attrOf(facts: RunFacts, factory: FactoryInfo | undefined, table: string, column: string): string {
  const index = facts.project?.index;
  const model = factory?.model ? index?.model(factory.model) : undefined;
  const cols = model?.columns ?? index?.table(table)?.columns ?? [];
  const c = cols.find((x) => x.name === column);
  return c?.attr || column;
}

/** The factory's effective declaration for an attribute (its own, else the nearest ancestor's). */
export function fieldOf(factory: FactoryInfo | undefined, attr: string): FieldInfo | undefined {
  return factory?.fields.find((f) => f.name === attr);
}

/** The call written at a frame's line (a factory call in a test, fixture or helper). */
export function callAt(facts: RunFacts, frame: Frame | null | undefined): { call: CallFact; file: string } | undefined {
  const rel = frame ? indexPath(facts, frame.file) : undefined;
  const file = rel !== undefined ? facts.project?.index.fileFacts(rel) : undefined;
  if (!file || !frame) return undefined;
  const fns: FuncFact[] = [...file.functions, ...file.classes.flatMap((c) => c.methods)];
  for (const fn of fns) {
    if (frame.line < fn.line || frame.line > fn.end) continue;
    const hit = fn.calls.filter((c) => c.line <= frame.line && frame.line <= c.end).sort((a, b) => b.line - a.line)[0];
    if (hit) return { call: hit, file: file.path };
  }
  return undefined;
}
