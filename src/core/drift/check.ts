// The static "factories vs models" check over a project index: every factory's declarations
// and every direct model constructor call in tests and fixtures, compared with the models.
// What the index cannot resolve yields no finding rather than a guess.
import type { FileFacts } from "../index/facts";
import type { FactoryInfo } from "../index/factories";
import type { ProjectIndex } from "../index/project";
import { checkCalls, functionsOf, isCallerFile } from "./callCheck";
import { checkEnumValues } from "./enums";
import { checkFactory, relatedTargets } from "./factoryCheck";
import type { Finding } from "./model";
import { driftContext, type DriftContext } from "./surface";

export function check(index: ProjectIndex): Finding[] {
  const ctx = driftContext(index);
  const out: Finding[] = [];
  const related = relatedTargets(ctx);
  const factories = index.factories();
  ctx.factoriesByQname ??= new Map(factories.map((f) => [f.qname, f]));
  for (const f of factories) checkFactoryAll(ctx, f, related, out);
  for (const rel of index.files()) checkCallerFile(ctx, index.fileFacts(rel), out);
  return tidy(out);
}

/** Findings of one file's factories and calls (after an edit to it). */
export function checkFile(index: ProjectIndex, relPath: string): Finding[] {
  const ctx = driftContext(index);
  const file = index.fileFacts(relPath);
  if (!file) return [];
  const out: Finding[] = [];
  for (const cls of file.classes) {
    // computed alone (index.factory by qualified name), not the whole project's factories
    const f = index.factory(`${file.module}.${cls.name}`);
    if (f) checkFactoryAll(ctx, f, relatedTargets(ctx), out);
  }
  checkCallerFile(ctx, file, out);
  return tidy(out);
}

export function checkFactoryAll(ctx: DriftContext, f: FactoryInfo, related: Set<string>, out: Finding[]): void {
  checkFactory(ctx, f, related, out);
  // enum members in the factory's own declarations (inherited ones are checked where declared)
  const ref = ctx.classIn(f.file, f.name);
  if (!ref) return;
  const attrs = [...ref.cls.attrs, ...ref.cls.classes.flatMap((c) => c.attrs)];
  for (const a of attrs) checkEnumValues(ctx, [a.value], { file: f.file, line: a.line, end: a.end, symbol: f.name }, out);
}

export function checkCallerFile(ctx: DriftContext, file: FileFacts | undefined, out: Finding[]): void {
  if (!file || !isCallerFile(file.path)) return;
  checkCalls(ctx, file, out);
  for (const { fn, symbol } of functionsOf(file)) {
    for (const c of fn.calls) checkEnumValues(ctx, c.kw.map((k) => k.value), { file: file.path, line: c.line, end: c.end, symbol }, out);
  }
}

/** Sorted by file and line; an inherited declaration is reported once, for its first factory. */
export function tidy(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  const out = findings.filter((f) => {
    const key = `${f.kind}|${f.file}|${f.line}|${f.edit?.op === "declare" ? f.edit.name : f.edit ? f.edit.from : f.evidence.replace(f.symbol, "")}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return out.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.kind.localeCompare(b.kind));
}
