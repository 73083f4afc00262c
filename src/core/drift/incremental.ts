// Drift findings kept per file and refreshed as files change. While the index keeps its views
// (edits inside test bodies, or a factories module patched in place: see index/patch.ts), only
// the files an edit can affect are re-checked: the file, the files of the factories inheriting
// from its classes, and the files calling those factories. Otherwise the whole project is.
import type { FactoryInfo } from "../index/factories";
import type { ProjectIndex } from "../index/project";
import type { Resolver } from "../index/resolve";
import { check, checkCallerFile, checkFactoryAll, tidy } from "./check";
import { relatedTargets } from "./factoryCheck";
import type { Finding } from "./model";
import { driftContext, type DriftContext } from "./surface";

export class DriftFindings {
  /** File (relative) → the findings located in it, as the whole check reports them. */
  readonly byFile = new Map<string, Finding[]>();
  private generation: Resolver | undefined;
  /** Module → qualified names of the factories with a class of it in their chain, in index order.
   * Patches keep every class's bases (patch.ts outline), so chains hold for the generation. */
  private byModule = new Map<string, string[]>();

  /** Re-checks after `changed` files (undefined: everything); returns the files re-checked. */
  update(index: ProjectIndex, changed?: readonly string[]): { full: boolean; files: string[] } {
    const generation = index.resolver();
    if (!changed || generation !== this.generation) {
      this.byFile.clear();
      for (const f of check(index)) this.byFile.set(f.file, [...(this.byFile.get(f.file) ?? []), f]);
      this.generation = generation;
      this.byModule = chainsByModule(index.factories());
      return { full: true, files: index.files() };
    }
    const ctx = driftContext(index);
    const dependents = (rel: string): FactoryInfo[] => {
      const module = index.fileFacts(rel)?.module;
      const qnames = module === undefined ? [] : this.byModule.get(module) ?? [];
      return qnames.map((q) => index.factory(q)).filter((f): f is FactoryInfo => f !== undefined);
    };
    const files = affectedFiles(ctx, index, changed, dependents);
    for (const rel of files) {
      const found = findingsIn(ctx, index, rel, dependents(rel));
      if (found.length > 0) this.byFile.set(rel, found);
      else this.byFile.delete(rel);
    }
    return { full: false, files };
  }

  all(): Finding[] {
    return [...this.byFile.values()].flat();
  }
}

function chainsByModule(factories: readonly FactoryInfo[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const f of factories) {
    const modules = new Set(f.chain.map((q) => q.slice(0, q.lastIndexOf("."))));
    for (const m of modules) {
      const list = out.get(m);
      if (list) list.push(f.qname);
      else out.set(m, [f.qname]);
    }
  }
  return out;
}

type Dependents = (rel: string) => FactoryInfo[];

/** The changed files, the files of the factories inheriting from their classes, their callers. */
function affectedFiles(ctx: DriftContext, index: ProjectIndex, changed: readonly string[], dependents: Dependents): string[] {
  const out = new Set<string>();
  for (const rel of changed) {
    if (!index.fileFacts(rel)) continue;
    out.add(rel);
    for (const f of dependents(rel)) {
      out.add(f.file);
      for (const caller of ctx.callers.get(f.qname) ?? []) out.add(caller);
    }
  }
  return [...out].sort();
}

/** What the whole check reports at `rel`: its factories' declarations (for every factory that
 * inherits them) and its calls. */
function findingsIn(ctx: DriftContext, index: ProjectIndex, rel: string, dependents: FactoryInfo[]): Finding[] {
  const file = index.fileFacts(rel);
  if (!file) return [];
  const out: Finding[] = [];
  const related = relatedTargets(ctx);
  for (const f of dependents) checkFactoryAll(ctx, f, related, out);
  checkCallerFile(ctx, file, out);
  return tidy(out).filter((f) => f.file === rel);
}
