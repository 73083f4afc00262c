// What a mapped class accepts as constructor keywords and what its rows require, worked out
// from the index: SQLAlchemy's default constructor takes any name the class has as an attribute
// (columns, relationships, synonyms, column_property, hybrids, association proxies,
// declared_attr, plus what mixins and mapped bases bring); a custom __init__ takes its own
// parameters, or anything with **kwargs. Enums are project `enum.Enum` subclasses.
import type { ClassFact, FileFacts, Value } from "../index/facts";
import { literal } from "../index/facts";
import type { ColumnInfo, ModelInfo } from "../index/models";
import type { ProjectIndex } from "../index/project";
import { isExternal, type Resolved, type Resolver } from "../index/resolve";
import type { FactoryInfo } from "../index/factories";
import type { FactoryShape } from "./factoryCheck";

type ClassRef = Extract<Resolved, { kind: "class" }>;

export interface RelationshipInfo {
  attr: string;
  collection: boolean;
  target?: ModelInfo;
  targetTables?: string[]; // undefined: unknown target, may fill any foreign key
}

export interface ModelSurface {
  model: ModelInfo;
  open: boolean; // accepts names the index cannot list (unknown bases, __init__(**kwargs))
  customInit: boolean;
  accepted: Set<string>;
  mapped: string[]; // attribute names worth suggesting
  setters: Set<string>; // hybrids and properties with a setter: it may fill any column
  filled: Set<string>; // columns SQLAlchemy fills itself (the polymorphic_on discriminator)
  synonyms: Map<string, string>; // synonym("email") attributes → the attribute they stand for
  relationships: RelationshipInfo[];
  columns: ColumnInfo[]; // every table a row goes to (joined inheritance: the ancestors' too)
  columnTable: Map<ColumnInfo, string>;
  parentTables: Set<string>; // tables of mapped ancestors: their key is copied to ours
}

export interface EnumInfo {
  name: string;
  qname: string;
  file: string;
  line: number; // 0-based
  members: string[];
}

const ENUM_LIKE = /(^|\.)[A-Z]\w*\.\w/; // a capitalised segment before the last one
const RELATIONSHIP = new Set(["relationship", "relation", "dynamic_loader"]);
const KNOWN_ROOTS = new Set(["sqlalchemy", "typing", "typing_extensions", "object", "abc", "flask_sqlalchemy"]);

export class DriftContext {
  readonly resolver: Resolver;
  readonly models = new Map<string, ModelInfo>();
  private readonly modelsByName = new Map<string, ModelInfo | null>();
  private readonly surfaces = new Map<string, ModelSurface | undefined>();
  private readonly enums = new Map<string, EnumInfo | undefined>();
  private backrefs: Map<string, RelationshipInfo[]> | undefined;
  related: Set<string> | undefined; // factories a RelatedFactory builds (factoryCheck.ts)
  relatedByFile: Map<string, string[]> | undefined; // the same, per file that has any
  relatedStale: string[] = []; // files to look at again
  readonly shapes = new Map<string, FactoryShape>(); // factoryCheck.ts
  factoriesByQname: Map<string, FactoryInfo> | undefined; // set by a whole check: no per-name analysis
  readonly callable = new Map<string, Set<string> | null>(); // callCheck.ts: keywords a factory call takes
  readonly callers = new Map<string, Set<string>>(); // class qname → files calling it (seen so far)
  private anyBackref: Set<string> | undefined;
  private caughtUp = 0;

  constructor(readonly index: ProjectIndex) {
    this.resolver = index.resolver();
    this.caughtUp = index.patchedFiles().length;
    for (const m of index.models()) {
      this.models.set(m.qname, m);
      this.modelsByName.set(m.name, this.modelsByName.has(m.name) ? null : m); // null: ambiguous
    }
  }

  /**
   * Forgets what the files the index replaced in place may have changed: factory shapes, call
   * keywords, enums, RelatedFactory targets. Models, tables and their surfaces did not change
   * (the index starts a new generation, and a new context, when they may have).
   */
  catchUp(patched: readonly string[]): void {
    if (patched.length === this.caughtUp) return;
    this.relatedStale.push(...patched.slice(this.caughtUp));
    this.caughtUp = patched.length;
    this.related = undefined;
    this.shapes.clear();
    this.callable.clear();
    this.enums.clear();
    this.factoriesByQname = undefined;
  }

  calledFrom(qname: string, file: string): void {
    const set = this.callers.get(qname);
    if (set) set.add(file);
    else this.callers.set(qname, new Set([file]));
  }

  /** A top-level class of a known file, without name resolution (cheap, no memo growth). */
  classIn(file: string, name: string): ClassRef | undefined {
    const f = this.resolver.files.get(file);
    const cls = f?.classes.find((c) => c.name === name);
    return f && cls ? { kind: "class", file: f, cls, qname: `${f.module}.${cls.name}` } : undefined;
  }

  factory(qname: string): FactoryInfo | undefined {
    return this.factoriesByQname?.get(qname) ?? this.index.factory(qname);
  }

  classRef(qname: string, near?: string): ClassRef | undefined {
    const r = this.resolver.resolve(qname, near);
    return r.kind === "class" ? r : undefined;
  }

  /** A model by qualified name, or by a class name as relationship("User") writes it. */
  modelNamed(name: string, near: string): ModelInfo | undefined {
    const byQ = this.models.get(name) ?? this.models.get(this.classRef(name, near)?.qname ?? "");
    return byQ ?? this.modelsByName.get(name.split(".").pop() ?? name) ?? undefined;
  }

  surface(qname: string): ModelSurface | undefined {
    if (this.surfaces.has(qname)) return this.surfaces.get(qname);
    const model = this.models.get(qname);
    const ref = model ? this.classIn(model.file, model.name) : undefined;
    const s = model && ref ? this.build(model, ref) : undefined;
    this.surfaces.set(qname, s);
    return s;
  }

  private build(model: ModelInfo, ref: ClassRef): ModelSurface {
    const chain = this.resolver.ancestors(ref.file, ref.cls);
    const s: ModelSurface = { model, open: false, customInit: false, accepted: new Set(), mapped: [], setters: new Set(), filled: new Set(), synonyms: new Map(), relationships: [], columns: [], columnTable: new Map(), parentTables: new Set() };
    const chainNames = new Set(chain.map((r) => r.qname));
    let init: ClassFact["methods"][number] | undefined;
    for (const r of chain) {
      if (r.kind !== "class") {
        const root = r.qname.split(".")[0] ?? "";
        if (r.qname !== model.base && !KNOWN_ROOTS.has(root)) s.open = true;
        continue;
      }
      init ??= r.cls.methods.find((m) => m.name === "__init__");
      for (const a of [...r.cls.attrs, ...r.cls.bare]) {
        s.accepted.add(a.name);
        if (!a.name.startsWith("_")) s.mapped.push(a.name);
        const rel = this.relationship(r.file, a.name, a.value, a.annotation);
        if (rel) s.relationships.push(rel);
        const target = a.value.k === "call" && /(^|\.)synonym$/.test(a.value.q) ? literal(a.value.args[0]) : undefined;
        if (typeof target === "string" && !s.synonyms.has(a.name)) s.synonyms.set(a.name, target);
      }
      for (const m of r.cls.methods) {
        s.accepted.add(m.name);
        if (m.decorators.length > 0 && !m.name.startsWith("_")) s.mapped.push(m.name); // hybrids, declared_attr
        if (m.decorators.some((d) => d.k === "name" && d.t.endsWith(".setter"))) s.setters.add(m.name);
      }
      const args = r.cls.attrs.find((a) => a.name === "__mapper_args__")?.value;
      for (const [k, v] of args?.k === "dict" ? args.items : []) {
        if (k.k === "str" && k.v === "polymorphic_on") s.filled.add(v.k === "str" ? v.v : v.k === "name" ? v.t.split(".").pop() ?? "" : "");
      }
      for (const c of r.cls.classes) s.accepted.add(c.name);
      const mapped = r.cls !== ref.cls ? this.models.get(r.qname) : undefined;
      if (mapped?.table !== undefined && mapped.table !== model.table) s.parentTables.add(mapped.table);
    }
    for (const rel of this.backrefsOf(model)) {
      s.accepted.add(rel.attr);
      s.mapped.push(rel.attr);
      s.relationships.push(rel);
    }
    for (const name of this.anyBackref ?? []) s.accepted.add(name);
    if (init) {
      s.customInit = true;
      s.accepted = new Set(init.params.slice(1));
      if (init.varkw !== undefined) s.open = true;
    }
    const seen = new Set<string>();
    for (const r of chain) {
      const m = this.models.get(r.qname);
      for (const c of m?.columns ?? []) {
        const key = `${m?.table ?? ""}.${c.name}`;
        if (chainNames.has(c.declaredIn) && !seen.has(key)) {
          seen.add(key);
          s.columns.push(c);
          s.columnTable.set(c, m?.table ?? "");
        }
      }
    }
    s.mapped = [...new Set(s.mapped)];
    return s;
  }

  private relationship(file: FileFacts, attr: string, v: Value, annotation: string | undefined): RelationshipInfo | undefined {
    // by the name as written first: most class attributes are Column(...) calls
    if (v.k !== "call" || !RELATIONSHIP.has(v.q.slice(v.q.lastIndexOf(".") + 1))) return undefined;
    const fn = this.resolver.value(v.fn, file.path);
    if (fn?.kind !== "external" || !RELATIONSHIP.has(fn.qname.split(".").pop() ?? "")) return undefined;
    const collection =
      /\b(List|list|Set|set|Collection|WriteOnlyMapped|DynamicMapped)\[/.test(annotation ?? "") ||
      literal(v.kw.find((k) => k.name === "uselist")?.value) === true ||
      v.kw.some((k) => k.name === "secondary");
    const first = v.args[0];
    let targetName: string | undefined;
    if (first?.k === "str") targetName = first.v;
    else if (first?.k === "name") targetName = first.q;
    else if (!first && annotation) targetName = /(\w+)["']?\]*\s*$/.exec(annotation.replace(/\s*\|\s*None\b/, ""))?.[1];
    const target = targetName !== undefined ? this.modelNamed(targetName, file.path) : undefined;
    const rel: RelationshipInfo = { attr, collection };
    if (target) {
      rel.target = target;
      rel.targetTables = this.tablesOf(target);
    }
    return rel;
  }

  /** The model's table and those of its mapped ancestors (a foreign key may name either). */
  tablesOf(m: ModelInfo): string[] {
    const ref = this.classIn(m.file, m.name);
    const out = new Set<string>();
    if (m.table !== undefined) out.add(m.table);
    for (const r of ref ? this.resolver.ancestors(ref.file, ref.cls) : []) {
      const t = this.models.get(r.qname)?.table;
      if (t !== undefined) out.add(t);
    }
    return [...out];
  }

  /** relationship(..., backref="x") on other models: `x` is a relationship of the target. */
  private backrefsOf(model: ModelInfo): RelationshipInfo[] {
    if (!this.backrefs) {
      this.backrefs = new Map();
      this.anyBackref = new Set();
      for (const m of this.models.values()) {
        const ref = this.classIn(m.file, m.name);
        for (const a of ref?.cls.attrs ?? []) {
          if (a.value.k !== "call") continue;
          const br = a.value.kw.find((k) => k.name === "backref")?.value;
          const name = br?.k === "str" ? br.v : br?.k === "call" ? literal(br.args[0]) : undefined;
          if (typeof name !== "string" || !ref) continue;
          const rel = this.relationship(ref.file, a.name, a.value, a.annotation);
          if (!rel?.target) {
            this.anyBackref.add(name); // unknown target: accepted everywhere, never reported
            continue;
          }
          const list = this.backrefs.get(rel.target.qname) ?? [];
          list.push({ attr: name, collection: false, target: m, targetTables: this.tablesOf(m) }); // direction unknown: may fill
          this.backrefs.set(rel.target.qname, list);
        }
      }
    }
    return this.backrefs.get(model.qname) ?? [];
  }

  /** `app.models.Status.PAID` → the enum and the member name, when Status is a project enum. */
  enumUse(q: string, near: string): { info: EnumInfo; member: string } | undefined {
    if (!ENUM_LIKE.test(q)) return undefined;
    const parts = q.split(".");
    for (let i = parts.length - 1; i >= 1; i--) {
      if (!/^[A-Z]/.test(parts[i - 1] ?? "")) continue;
      const info = this.enumClass(parts.slice(0, i).join("."), near);
      const member = parts[i];
      if (info && member !== undefined) return { info, member };
    }
    return undefined;
  }

  private enumClass(qname: string, near: string): EnumInfo | undefined {
    const key = `${near}|${qname}`;
    if (this.enums.has(key)) return this.enums.get(key);
    const ref = this.classRef(qname, near);
    let info: EnumInfo | undefined;
    if (ref) {
      const chain = this.resolver.ancestors(ref.file, ref.cls);
      const isEnum = chain.some((r) => isExternal(r, "enum", "Enum", "IntEnum", "StrEnum", "Flag", "IntFlag"));
      // members we cannot list (a base from elsewhere, a metaclass) make it unknown
      const closed = chain.every((r) => r.kind === "class" || r.qname.startsWith("enum.") || r.qname === "str" || r.qname === "int");
      if (isEnum && closed) {
        const members = new Set<string>();
        for (const r of chain) if (r.kind === "class") for (const a of r.cls.attrs) if (!a.name.startsWith("_")) members.add(a.name);
        info = { name: ref.cls.name, qname: ref.qname, file: ref.file.path, line: ref.cls.defLine, members: [...members] };
      }
    }
    this.enums.set(key, info);
    return info;
  }
}

const contexts = new WeakMap<Resolver, DriftContext>();

/** One context per index generation (the resolver is replaced after a change it cannot patch). */
export function driftContext(index: ProjectIndex): DriftContext {
  const r = index.resolver();
  let ctx = contexts.get(r);
  if (!ctx) {
    ctx = new DriftContext(index);
    contexts.set(r, ctx);
  }
  ctx.catchUp(index.patchedFiles());
  return ctx;
}
