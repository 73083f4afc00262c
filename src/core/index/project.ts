// ProjectIndex: per-file facts (updated one file at a time) and cross-file views computed
// lazily on first query after a change.
import { pythonParser } from "../pyparse";
import type { CallFact, FileFacts, FuncFact, Value } from "./facts";
import { literal, valueText } from "./facts";
import { buildFactories, factoryFor, type FactoryInfo } from "./factories";
import { fileFixtures, fileTests, fixtureScopes, linkFixture, type FixtureInfo, type TestInfo } from "./fixtures";
import { buildSchema, resolveConstraint, uniqueKeys, type KeyInfo, type ModelInfo, type Schema, type TableInfo } from "./models";
import type { Dialect } from "./naming";
import { hasFixtures, outline, patchFactories, schemaFiles } from "./patch";
import { DEFAULT_MAX_BYTES, factsFromBytes, factsFromText } from "./read";
import { Resolver, type Resolved } from "./resolve";
import { traceUrl, type ParamLookup, type UrlInfo } from "./urls";

export interface FactoryCallInfo {
  factory: string; // qname of the factory class
  text: string; // callee as written
  method: CallFact["method"];
  kwargs: Record<string, string | number | boolean | null>; // literal keyword arguments
  otherKwargs: string[]; // keyword arguments whose value is not a literal
  batch?: number | string;
  line: number;
  end: number;
}

export interface FactoryLink {
  call: FactoryCallInfo;
  factory: FactoryInfo;
  model?: ModelInfo;
  table?: TableInfo;
  uniqueKeys: KeyInfo[];
}

export interface FixtureLink {
  name: string;
  requestedBy: string; // the test's name or the requesting fixture's name
  autouse: boolean;
  fixture?: FixtureInfo; // undefined: not found in the project (a plugin's, or a typo)
}

export interface TestLinks {
  test: TestInfo;
  fixtures: FixtureLink[]; // closure, breadth first
  factories: FactoryLink[];
  urls: UrlInfo[]; // distinct database URLs reached through the fixtures
}

export interface EngineSite {
  file: string;
  line: number;
  end: number;
  owner: string; // fixture, function or module variable that creates it
  text: string;
  url: UrlInfo;
}

interface FileView {
  fixtures: Array<{ info: FixtureInfo; fn: FuncFact; linked: boolean }>;
  tests: Array<{ test: TestInfo; fn: FuncFact }>;
}

interface Derived {
  resolver: Resolver;
  schema?: Schema;
  schemaFiles?: Set<string>;
  patched: string[]; // files replaced in place in this generation (see patch.ts)
  factories?: FactoryInfo[];
  factoryByQname?: Map<string, FactoryInfo | undefined>;
  views: Map<string, FileView>;
}

export interface ProjectIndexOptions {
  maxFileBytes?: number;
}

export class ProjectIndex {
  private readonly facts = new Map<string, FileFacts>();
  private derived: Derived | undefined;
  private readonly maxBytes: number;

  constructor(options: ProjectIndexOptions = {}) {
    this.maxBytes = options.maxFileBytes ?? DEFAULT_MAX_BYTES;
  }

  /** Re-indexes one file from its text (parsed on this thread with the shared parser). */
  async updateFile(relPath: string, text: string | Uint8Array): Promise<FileFacts> {
    const parser = await pythonParser();
    const rel = normalize(relPath);
    const f = typeof text === "string" ? factsFromText(parser, rel, text, this.maxBytes) : factsFromBytes(parser, rel, text, this.maxBytes);
    this.setFacts(f);
    return f;
  }

  /** Stores facts computed elsewhere (a worker thread). */
  setFacts(f: FileFacts): void {
    const old = this.facts.get(f.path);
    this.facts.set(f.path, f);
    const d = this.derived;
    if (!d || !old) {
      this.derived = undefined;
      return;
    }
    if (shape(old) === shape(f)) {
      // only test bodies changed: the cross-file views stay valid, this file's view does not
      d.resolver.replaced(old, f);
      d.views.delete(f.path);
      return;
    }
    if (!this.patch(d, old, f)) this.derived = undefined;
  }

  /** Keeps this generation's views through an edit that cannot change them elsewhere. */
  private patch(d: Derived, old: FileFacts, now: FileFacts): boolean {
    if (outline(old) !== outline(now)) return false;
    if (d.schema) {
      d.schemaFiles ??= schemaFiles(d.resolver, d.schema);
      if (d.schemaFiles.has(now.path)) return false;
    }
    d.resolver.replaced(old, now);
    if (d.factories) d.factories = patchFactories(d.resolver, d.factories, old, now);
    delete d.factoryByQname;
    if (hasFixtures(old) || hasFixtures(now)) d.views.clear();
    else d.views.delete(now.path);
    d.patched.push(now.path);
    return true;
  }

  /** Files replaced in place since this generation of views began (for caches built on them). */
  patchedFiles(): readonly string[] {
    return this.view().patched;
  }

  removeFile(relPath: string): boolean {
    const removed = this.facts.delete(normalize(relPath));
    if (removed) this.derived = undefined;
    return removed;
  }

  files(): string[] {
    return [...this.facts.keys()].sort();
  }

  fileFacts(relPath: string): FileFacts | undefined {
    return this.facts.get(normalize(relPath));
  }

  totalLines(): number {
    let n = 0;
    for (const f of this.facts.values()) n += f.lines;
    return n;
  }

  private view(): Derived {
    this.derived ??= { resolver: new Resolver(this.facts), views: new Map(), patched: [] };
    return this.derived;
  }

  /** Cross-file name resolution for this generation of the index (a new one after a change). */
  resolver(): Resolver {
    return this.view().resolver;
  }

  // ---- models and tables

  private schema(): Schema {
    const d = this.view();
    d.schema ??= buildSchema(d.resolver);
    return d.schema;
  }

  models(): ModelInfo[] {
    return this.schema().models;
  }

  /** By qualified name ("app.models.User") or, if unique enough, class name. */
  model(name: string): ModelInfo | undefined {
    const ms = this.models();
    return ms.find((m) => m.qname === name) ?? ms.find((m) => m.name === name);
  }

  tables(): TableInfo[] {
    return [...this.schema().tables.values()];
  }

  table(name: string): TableInfo | undefined {
    return this.schema().tables.get(name);
  }

  resolveConstraint(dialect: Dialect, name: string): { table: string; columns: string[]; key: KeyInfo } | undefined {
    return resolveConstraint(this.schema(), dialect, name);
  }

  /** The unique key over exactly these columns (SQLite: "UNIQUE constraint failed: t.a, t.b"). */
  uniqueKeyFor(table: string, columns: string[]): KeyInfo | undefined {
    const t = this.table(table);
    if (!t) return undefined;
    const want = [...columns].sort().join(",");
    return uniqueKeys(t).find((k) => [...k.columns].sort().join(",") === want);
  }

  // ---- factories

  factories(): FactoryInfo[] {
    const d = this.view();
    d.factories ??= buildFactories(d.resolver);
    return d.factories;
  }

  /** By qualified name (computed alone, cheaply) or by class name (needs every factory). */
  factory(name: string): FactoryInfo | undefined {
    const d = this.view();
    d.factoryByQname ??= new Map();
    if (d.factoryByQname.has(name)) return d.factoryByQname.get(name);
    const r = name.includes(".") ? d.resolver.resolve(name) : undefined;
    const f = r?.kind === "class" ? factoryFor(d.resolver, r.file, r.cls) : this.factories().find((x) => x.name === name);
    d.factoryByQname.set(name, f);
    return f;
  }

  /** What a value written in `near` (a project file) refers to: class, function, variable, module. */
  resolveValue(v: Value, near: string): Resolved | undefined {
    return this.view().resolver.value(v, normalize(near));
  }

  // ---- fixtures and tests

  private fileView(rel: string): FileView | undefined {
    const d = this.view();
    let v = d.views.get(rel);
    if (v) return v;
    const file = this.facts.get(rel);
    if (!file) return undefined;
    const fns = new Map<string, FuncFact>();
    for (const fn of file.functions) fns.set(`:${fn.name}:${fn.line}`, fn);
    for (const c of file.classes) for (const m of c.methods) fns.set(`${c.name}:${m.name}:${m.line}`, m);
    const fixtures = fileFixtures(d.resolver, file).map((info) => ({
      info,
      fn: fns.get(`${info.className ?? ""}:${info.func}:${info.line}`) as FuncFact,
      linked: false,
    }));
    v = { fixtures, tests: fileTests(file) };
    d.views.set(rel, v);
    return v;
  }

  private linked(rel: string): FileView | undefined {
    const v = this.fileView(rel);
    const file = this.facts.get(rel);
    if (!v || !file) return v;
    for (const fx of v.fixtures) {
      if (fx.linked) continue;
      fx.linked = true;
      linkFixture(this.view().resolver, file, fx.info, fx.fn, this.paramLookup(rel, fx.info.className, fx.info));
    }
    return v;
  }

  /** Fixtures defined in one file, or in every file. */
  fixtures(relPath?: string): FixtureInfo[] {
    const rels = relPath === undefined ? this.files() : [normalize(relPath)];
    return rels.flatMap((r) => this.linked(r)?.fixtures.map((f) => f.info) ?? []);
  }

  /**
   * The fixture `name` as pytest would pick it for code in `fromFile` (class `className`):
   * class, module, nearest conftest.py, then plugins. `after` skips to the one it overrides.
   */
  fixture(name: string, fromFile: string, className?: string, after?: FixtureInfo): FixtureInfo | undefined {
    return this.findFixture(name, normalize(fromFile), className, after)?.info;
  }

  private findFixture(name: string, rel: string, className: string | undefined, after: FixtureInfo | undefined): FileView["fixtures"][number] | undefined {
    const f = this.findFixtureRaw(name, rel, className, after);
    if (f) this.linked(f.info.file);
    return f;
  }

  private paramLookup(rel: string, className: string | undefined, self: FixtureInfo | undefined): ParamLookup {
    return (name) => {
      if (self && !self.uses.includes(name)) return undefined;
      const f = this.findFixtureRaw(name, rel, className, self?.name === name ? self : undefined);
      if (!f) return undefined;
      const file = this.facts.get(f.info.file);
      if (!file) return undefined;
      const yielded = f.fn.ops.find((o) => o.op === "yield")?.value;
      const value: Value | undefined = yielded ?? f.fn.returns[0];
      if (!value) return undefined;
      return {
        value,
        file,
        lookup: this.paramLookup(f.info.file, f.info.className, f.info),
        label: `fixture ${f.info.name} (${f.info.file}:${f.info.line + 1})`,
      };
    };
  }

  /** findFixture without linking (used while linking, to avoid recursion through link). */
  private findFixtureRaw(name: string, rel: string, className: string | undefined, after: FixtureInfo | undefined): FileView["fixtures"][number] | undefined {
    let passed = after === undefined;
    for (const [i, scope] of fixtureScopes(this.view().resolver, rel).entries()) {
      const v = this.fileView(scope.path);
      if (!v) continue;
      const candidates = v.fixtures.filter(
        (c) => c.info.name === name && (c.info.className === undefined || (i === 0 && c.info.className === className)),
      );
      // class fixtures shadow module ones
      candidates.sort((a, b) => (a.info.className === undefined ? 1 : 0) - (b.info.className === undefined ? 1 : 0));
      for (const c of candidates) {
        if (passed) return c;
        if (c.info === after) passed = true;
      }
    }
    return undefined;
  }

  tests(relPath?: string): TestInfo[] {
    const rels = relPath === undefined ? this.files() : [normalize(relPath)];
    return rels.flatMap((r) => this.fileView(r)?.tests.map((t) => t.test) ?? []);
  }

  test(nodeId: string): TestInfo | undefined {
    const rel = normalize(nodeId.split("::")[0] ?? "");
    return this.fileView(rel)?.tests.find((t) => t.test.nodeId === nodeId)?.test;
  }

  /** Everything a test reaches: fixtures (transitively), factories → models → tables, URLs. */
  testLinks(nodeId: string): TestLinks | undefined {
    const test = this.test(nodeId);
    if (!test) return undefined;
    const links: TestLinks = { test, fixtures: [], factories: [], urls: [] };
    const seen = new Set<FixtureInfo>();
    const queue: Array<{ name: string; by: string; rel: string; cls: string | undefined; after?: FixtureInfo; autouse: boolean }> = [];
    for (const name of [...test.params, ...test.useFixtures]) queue.push({ name, by: test.name, rel: test.file, cls: test.className, autouse: false });
    for (const scope of fixtureScopes(this.view().resolver, test.file)) {
      for (const f of this.linked(scope.path)?.fixtures ?? []) {
        if (f.info.autouse && (f.info.className === undefined || (scope.path === test.file && f.info.className === test.className))) {
          queue.push({ name: f.info.name, by: "autouse", rel: test.file, cls: test.className, autouse: true });
        }
      }
    }
    const names = new Set<string>();
    while (queue.length > 0) {
      const q = queue.shift();
      if (!q) break;
      const found = this.findFixture(q.name, q.rel, q.cls, q.after);
      if (found && seen.has(found.info)) continue;
      if (!found && names.has(q.name)) continue;
      names.add(q.name);
      const link: FixtureLink = { name: q.name, requestedBy: q.by, autouse: q.autouse };
      if (found) {
        link.fixture = found.info;
        seen.add(found.info);
        for (const u of found.info.uses) {
          const next = { name: u, by: found.info.name, rel: found.info.file, cls: found.info.className, autouse: false };
          queue.push(u === found.info.name ? { ...next, after: found.info } : next);
        }
      }
      links.fixtures.push(link);
    }
    const urlKeys = new Set<string>();
    const addUrl = (u: UrlInfo | undefined): void => {
      if (!u) return;
      const key = `${u.kind}|${u.url ?? u.envVar ?? u.text}`;
      if (urlKeys.has(key)) return;
      urlKeys.add(key);
      links.urls.push(u);
    };
    for (const l of links.fixtures) {
      for (const e of l.fixture?.engines ?? []) addUrl(e.url);
      for (const s of l.fixture?.sessions ?? []) addUrl(s.url);
    }
    links.factories = this.factoryLinks(test);
    return links;
  }

  private factoryLinks(test: TestInfo): FactoryLink[] {
    const d = this.view();
    const out: FactoryLink[] = [];
    for (const c of test.calls) {
      const r = d.resolver.resolve(c.callee, test.file);
      const factory = r.kind === "class" ? this.factory(r.qname) : undefined;
      if (!factory) continue;
      const call: FactoryCallInfo = { factory: factory.qname, text: c.t, method: c.method, kwargs: {}, otherKwargs: [], line: c.line, end: c.end };
      for (const k of c.kw) {
        const lit = literal(k.value);
        if (k.name && lit !== undefined) call.kwargs[k.name] = lit;
        else if (k.name) call.otherKwargs.push(k.name);
      }
      if (c.batch) {
        const n = literal(c.batch);
        call.batch = typeof n === "number" ? n : valueText(c.batch);
      }
      const link: FactoryLink = { call, factory, uniqueKeys: [] };
      const model = factory.model ? this.model(factory.model) : undefined;
      if (model) {
        link.model = model;
        const table = model.table !== undefined ? this.table(model.table) : undefined;
        if (table) {
          link.table = table;
          link.uniqueKeys = uniqueKeys(table);
        }
      }
      out.push(link);
    }
    return out;
  }

  /** Every create_engine(...) in the project, with its URL traced. */
  engines(): EngineSite[] {
    const d = this.view();
    const out: EngineSite[] = [];
    for (const file of this.facts.values()) {
      for (const f of this.fixtures(file.path)) {
        for (const e of f.engines) out.push({ file: file.path, line: e.line, end: e.end, owner: `fixture ${f.name}`, text: e.text, url: e.url });
      }
      const fixtureLines = new Set(this.fileView(file.path)?.fixtures.map((f) => f.info.line));
      const fns = [...file.functions, ...file.classes.flatMap((c) => c.methods)].filter((fn) => !fixtureLines.has(fn.line));
      for (const fn of fns) {
        for (const op of fn.ops) {
          if (op.op !== "create_engine" || op.call?.k !== "call") continue;
          const url = traceUrl({ resolver: d.resolver, file }, op.call.args[0]);
          out.push({ file: file.path, line: op.line, end: op.end, owner: `${fn.name}()`, text: valueText(op.call), url });
        }
      }
      for (const v of file.vars) {
        if (v.value.k !== "call" || !/(^|\.)create(_async)?_engine$/.test(v.value.q)) continue;
        const url = traceUrl({ resolver: d.resolver, file }, v.value.args[0]);
        out.push({ file: file.path, line: v.line, end: v.end, owner: v.name, text: valueText(v.value), url });
      }
    }
    return out;
  }
}

/**
 * Everything other files can depend on: imports, module variables, classes, non-test
 * functions. Equal shapes mean an edit stayed inside test functions.
 */
function shape(f: FileFacts): string {
  const notTest = (fn: FuncFact): boolean => !fn.name.startsWith("test");
  const classes = f.classes.map((c) => (c.name.startsWith("Test") ? { ...c, methods: c.methods.filter(notTest) } : c));
  return JSON.stringify([f.bindings, f.vars, classes, f.functions.filter(notTest), f.pytestPlugins]);
}

function normalize(relPath: string): string {
  return relPath.replace(/\\/g, "/").replace(/^\.\//, "");
}
