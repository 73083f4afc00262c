// Keeping the cross-file views through an edit that cannot change them. Rebuilding the schema
// and every factory over a large project takes seconds; an edit to a factories module (the
// common case besides test bodies) changes that module's factories and nothing else, as long
// as every name other files can reach keeps its meaning and no model is built from it.
import type { FileFacts, Value } from "./facts";
import { factoryFor, type FactoryInfo } from "./factories";
import type { Schema } from "./models";
import type { Resolver } from "./resolve";

/** Class-level names that can make a class a model or change its table. */
const MAPPING_ATTRS = new Set(["__abstract__", "__tablename__", "__table__", "__table_args__", "__mapper_args__"]);
const POSITION_KEYS = new Set(["line", "end", "defLine"]);

/**
 * What other files see of a file: imports, module variables and top-level functions with their
 * positions (traces elsewhere quote them: "engine (app/db.py:10)"), and each class's name, bases,
 * decorators and mapping attributes without theirs. Class bodies otherwise (factory
 * declarations, Meta, methods) are not part of it.
 */
export function outline(f: FileFacts): string {
  const classes = f.classes.map((c) => [c.name, c.bases, c.decorators, c.attrs.filter((a) => MAPPING_ATTRS.has(a.name))]);
  const heads = JSON.stringify(classes, (k, v: unknown) => (POSITION_KEYS.has(k) ? undefined : v));
  return JSON.stringify([f.bindings.map((b) => [b.name, b.target]), f.vars, f.functions, f.pytestPlugins]) + heads;
}

/** Files the schema was built from: models, their mixins and bases, imperative tables. */
export function schemaFiles(resolver: Resolver, schema: Schema): Set<string> {
  const out = new Set<string>();
  for (const m of schema.models) {
    out.add(m.file);
    const file = resolver.files.get(m.file);
    const cls = file?.classes.find((c) => c.name === m.name);
    if (!file || !cls) continue;
    for (const r of resolver.ancestors(file, cls)) if (r.kind === "class") out.add(r.file.path);
  }
  for (const t of schema.tables.values()) {
    out.add(t.file);
    for (const c of t.columns) out.add(c.file);
    for (const k of t.keys) out.add(k.file);
  }
  return out;
}

/** True when `f` defines a fixture (other files' fixture views may then link to it). */
export function hasFixtures(f: FileFacts): boolean {
  const fixture = (d: Value): boolean => (d.k === "name" || d.k === "call") && /(^|\.)fixture$/.test(d.q);
  return f.functions.some((fn) => fn.decorators.some(fixture)) || f.classes.some((c) => c.methods.some((m) => m.decorators.some(fixture)));
}

/**
 * The factory list after `old` became `now` (resolver already told): the file's own
 * factories computed afresh, and those inheriting from its classes; file order kept.
 */
export function patchFactories(resolver: Resolver, list: FactoryInfo[], old: FileFacts, now: FileFacts): FactoryInfo[] {
  const oldQnames = new Set(old.classes.map((c) => `${old.module}.${c.name}`));
  const byFile = new Map<string, FactoryInfo[]>();
  for (const f of list) {
    const l = byFile.get(f.file);
    if (l) l.push(f);
    else byFile.set(f.file, [f]);
  }
  const out: FactoryInfo[] = [];
  for (const file of resolver.files.values()) {
    if (file.path === now.path) {
      for (const cls of now.classes) {
        const f = factoryFor(resolver, now, cls);
        if (f) out.push(f);
      }
      continue;
    }
    for (const f of byFile.get(file.path) ?? []) {
      if (!f.chain.some((q) => oldQnames.has(q))) {
        out.push(f);
        continue;
      }
      const cls = file.classes.find((c) => c.name === f.name && c.line === f.line);
      const fresh = cls ? factoryFor(resolver, file, cls) : undefined;
      if (fresh) out.push(fresh);
    }
  }
  return out;
}
