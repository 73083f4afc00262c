// factory_boy SQLAlchemyModelFactory subclasses: effective Meta (with where each value came
// from), _create/_save overrides and what they do, and every declared field classified.
import { literal, valueText, type ClassFact, type FileFacts, type FuncFact, type Value, type DefSite } from "./facts";
import { isExternal, type Resolved, type Resolver } from "./resolve";
import { traceBind, type UrlInfo } from "./urls";

export const META_KEYS = ["model", "sqlalchemy_session", "sqlalchemy_session_factory", "sqlalchemy_session_persistence", "abstract"] as const;
export type MetaKey = (typeof META_KEYS)[number];

export interface MetaValue {
  text: string;
  value: Value;
  literal?: string | number | boolean | null;
  from: string; // qname of the factory whose Meta sets it
  file: string;
  line: number;
  end: number;
}

export interface Site {
  line: number;
  end: number;
  text?: string;
}

export interface OverrideInfo {
  method: "_create" | "_save";
  from: string; // qname of the class defining it
  file: string;
  line: number;
  end: number;
  commits: Site[];
  flushes: Site[];
  adds: Site[];
  metaAssigns: Array<{ attr: string; text: string; line: number; end: number }>;
  superCalls: Site[];
  session?: string; // the session expression it uses
  sessionUrl?: UrlInfo; // URL of the engine that session is bound to, when traceable
}

export type FieldKind =
  | "constant"
  | "sequence"
  | "faker"
  | "lazy_attribute"
  | "lazy_function"
  | "sub_factory"
  | "related_factory"
  | "fuzzy"
  | "iterator"
  | "self_attribute"
  | "post_generation"
  | "trait"
  | "other";

export interface FieldInfo {
  name: string;
  kind: FieldKind;
  file: string;
  line: number;
  end: number;
  from: string; // qname of the declaring factory
  text: string;
  value?: string | number | boolean | null; // constants
  provider?: string; // Faker
  target?: string; // SubFactory / RelatedFactory: qname when resolved, else as written
  fuzzy?: string; // fuzzy class name
}

export interface FactoryInfo extends DefSite {
  name: string;
  qname: string;
  chain: string[]; // this class, then ancestors (qnames), ending at factory_boy's base
  abstract: boolean;
  meta: Partial<Record<MetaKey, MetaValue>>;
  model?: string; // qname of the model class when resolved
  create?: OverrideInfo;
  save?: OverrideInfo;
  fields: FieldInfo[];
  /** URL of the engine the factory's objects are saved through: _create's session, else Meta's. */
  sessionUrl?: UrlInfo;
}

type ClassRef = Extract<Resolved, { kind: "class" }>;

export function isFactoryChain(chain: Resolved[]): boolean {
  return chain.some((r) => isExternal(r, "factory", "SQLAlchemyModelFactory"));
}

export function buildFactories(resolver: Resolver): FactoryInfo[] {
  const out: FactoryInfo[] = [];
  for (const file of resolver.files.values()) {
    for (const cls of file.classes) {
      const chain = resolver.ancestors(file, cls);
      if (!isFactoryChain(chain)) continue;
      out.push(factoryInfo(resolver, file, cls, chain));
    }
  }
  return out;
}

/** One class's factory facts, or undefined when it is not a SQLAlchemyModelFactory. */
export function factoryFor(resolver: Resolver, file: FileFacts, cls: ClassFact): FactoryInfo | undefined {
  const chain = resolver.ancestors(file, cls);
  return isFactoryChain(chain) ? factoryInfo(resolver, file, cls, chain) : undefined;
}

function factoryInfo(resolver: Resolver, file: FileFacts, cls: ClassFact, chain: Resolved[]): FactoryInfo {
  const classes = chain.filter((r): r is ClassRef => r.kind === "class");
  const info: FactoryInfo = {
    name: cls.name,
    qname: `${file.module}.${cls.name}`,
    file: file.path,
    line: cls.line,
    defLine: cls.defLine,
    end: cls.end,
    chain: chain.map((r) => r.qname),
    abstract: false,
    meta: {},
    fields: [],
  };
  for (const key of META_KEYS) {
    // factory_boy does not inherit `abstract`
    const from = key === "abstract" ? classes.slice(0, 1) : classes;
    for (const r of from) {
      const attr = metaAttr(resolver, r, key);
      if (!attr) continue;
      const mv: MetaValue = { text: valueText(attr.v.value), value: attr.v.value, from: attr.owner, file: attr.file, line: attr.v.line, end: attr.v.end };
      const lit = literal(attr.v.value);
      if (lit !== undefined) mv.literal = lit;
      info.meta[key] = mv;
      break;
    }
  }
  info.abstract = info.meta.abstract?.literal === true || info.meta.model === undefined;
  const model = info.meta.model ? resolver.value(info.meta.model.value, info.meta.model.file) : undefined;
  if (model?.kind === "class") info.model = model.qname;
  for (const r of classes) {
    for (const m of r.cls.methods) {
      if ((m.name === "_create" || m.name === "_save") && !info[m.name === "_create" ? "create" : "save"]) {
        const o = override(resolver, m, r);
        if (m.name === "_create") info.create = o;
        else info.save = o;
      }
    }
  }
  info.fields = fields(resolver, classes);
  const url =
    info.create?.sessionUrl ??
    info.save?.sessionUrl ??
    metaUrl(resolver, info.meta.sqlalchemy_session) ??
    metaUrl(resolver, info.meta.sqlalchemy_session_factory);
  if (url) info.sessionUrl = url;
  return info;
}

function metaAttr(resolver: Resolver, r: ClassRef, key: string): { v: ClassFact["attrs"][number]; owner: string; file: string } | undefined {
  let meta = r.cls.meta;
  let owner: ClassRef = r;
  for (let hops = 0; meta && hops < 8; hops++) {
    const v = meta.attrs.find((a) => a.name === key);
    if (v) return { v, owner: owner.qname, file: owner.file.path };
    // class Meta(BaseFactory.Meta): explicit Meta inheritance
    const base = meta.bases[0];
    if (!base || base.k !== "name" || !base.q.endsWith(".Meta")) return undefined;
    const parent = resolver.resolve(base.q.slice(0, -".Meta".length), owner.file.path);
    if (parent.kind !== "class") return undefined;
    owner = parent;
    meta = parent.cls.meta;
  }
  return undefined;
}

function metaUrl(resolver: Resolver, mv: MetaValue | undefined): UrlInfo | undefined {
  const file = mv ? resolver.files.get(mv.file) : undefined;
  return mv && file ? traceBind({ resolver, file }, mv.value) : undefined;
}

function override(resolver: Resolver, m: FuncFact, r: ClassRef): OverrideInfo {
  const site = (o: { line: number; end: number; recv?: string }): Site => (o.recv === undefined ? { line: o.line, end: o.end } : { line: o.line, end: o.end, text: o.recv });
  const o: OverrideInfo = {
    method: m.name as "_create" | "_save",
    from: r.qname,
    file: r.file.path,
    line: m.line,
    end: m.end,
    commits: [],
    flushes: [],
    adds: [],
    metaAssigns: [],
    superCalls: [],
  };
  let sessionValue: Value | undefined;
  for (const op of m.ops) {
    if (op.op === "commit") o.commits.push(site(op));
    else if (op.op === "flush") o.flushes.push(site(op));
    else if (op.op === "add") o.adds.push(site(op));
    else if (op.op === "super_call") o.superCalls.push({ line: op.line, end: op.end, text: op.attr ?? "" });
    else if (op.op === "meta_assign" && op.attr && op.value) {
      o.metaAssigns.push({ attr: op.attr, text: valueText(op.value), line: op.line, end: op.end });
      if (op.attr === "sqlalchemy_session") sessionValue ??= op.value;
    }
    if ((op.op === "commit" || op.op === "add" || op.op === "flush") && op.recvValue) sessionValue ??= op.recvValue;
  }
  if (!sessionValue) sessionValue = m.locals.find((l) => /session/i.test(l.name))?.value;
  if (sessionValue) {
    o.session = valueText(sessionValue);
    const url = traceBind({ resolver, file: r.file }, sessionValue);
    if (url) o.sessionUrl = url;
  }
  return o;
}

const FIELD_KINDS: Record<string, FieldKind> = {
  Sequence: "sequence",
  LazyAttributeSequence: "sequence",
  sequence: "sequence",
  lazy_attribute_sequence: "sequence",
  Faker: "faker",
  LazyAttribute: "lazy_attribute",
  lazy_attribute: "lazy_attribute",
  LazyFunction: "lazy_function",
  SubFactory: "sub_factory",
  RelatedFactory: "related_factory",
  RelatedFactoryList: "related_factory",
  Iterator: "iterator",
  iterator: "iterator",
  SelfAttribute: "self_attribute",
  PostGeneration: "post_generation",
  post_generation: "post_generation",
  PostGenerationMethodCall: "post_generation",
  Trait: "trait",
};

function fields(resolver: Resolver, classes: ClassRef[]): FieldInfo[] {
  const byName = new Map<string, FieldInfo>();
  for (const r of [...classes].reverse()) {
    for (const a of r.cls.attrs) {
      if (a.name.startsWith("_")) continue;
      byName.set(a.name, classify(resolver, r, a.name, a.value, a.line, a.end));
    }
    for (const m of r.cls.methods) {
      for (const d of m.decorators) {
        const q = d.k === "call" ? d.q : d.k === "name" ? d.q : "";
        const kind = q.startsWith("factory.") ? FIELD_KINDS[q.split(".").pop() ?? ""] : undefined;
        if (kind) byName.set(m.name, { name: m.name, kind, file: r.file.path, line: m.line, end: m.end, from: r.qname, text: `@${valueText(d)}` });
      }
    }
  }
  return [...byName.values()];
}

function classify(resolver: Resolver, r: ClassRef, name: string, v: Value, line: number, end: number): FieldInfo {
  const f: FieldInfo = { name, kind: "other", file: r.file.path, line, end, from: r.qname, text: valueText(v) };
  const lit = literal(v);
  if (lit !== undefined) {
    f.kind = "constant";
    f.value = lit;
    return f;
  }
  if (v.k !== "call") return f;
  const callee = resolver.value(v.fn, r.file.path);
  const q = callee?.kind === "external" ? callee.qname : v.q;
  const parts = q.split(".");
  const last = parts[parts.length - 1] ?? "";
  if (parts[0] !== "factory" && callee?.kind !== "external") return f;
  if (parts.includes("fuzzy") || /^Fuzzy/.test(last)) {
    f.kind = "fuzzy";
    f.fuzzy = last;
    return f;
  }
  const kind = parts[0] === "factory" || parts.length === 1 ? FIELD_KINDS[last] : undefined;
  if (!kind) return f;
  f.kind = kind;
  if (kind === "faker") {
    const p = literal(v.args[0]);
    if (typeof p === "string") f.provider = p;
  } else if (kind === "sub_factory" || kind === "related_factory") {
    const t = v.args[0];
    if (t?.k === "str") f.target = t.v;
    else if (t) {
      const tr = resolver.value(t, r.file.path);
      f.target = tr && tr.kind !== "external" ? tr.qname : valueText(t);
    }
  }
  return f;
}
