// Cross-file name resolution over a snapshot of per-file facts. Built lazily per index
// generation; every lookup is memoised, so a query touches only what it needs.
import type { ClassFact, FileFacts, FuncFact, Value, VarFact } from "./facts";

export type Resolved =
  | { kind: "class"; file: FileFacts; cls: ClassFact; qname: string }
  | { kind: "func"; file: FileFacts; fn: FuncFact; qname: string }
  | { kind: "var"; file: FileFacts; v: VarFact; qname: string }
  | { kind: "module"; file: FileFacts; qname: string }
  | { kind: "external"; qname: string };

type Symbol =
  | { kind: "class"; cls: ClassFact }
  | { kind: "func"; fn: FuncFact }
  | { kind: "var"; v: VarFact }
  | { kind: "import"; target: string };

const MAX_HOPS = 16;

/** Packages never looked up in the project, so a local `factory.py` cannot shadow them. */
const EXTERNAL_ROOTS = new Set([
  "sqlalchemy", "factory", "pytest", "pytest_asyncio", "os", "sys", "typing", "datetime", "faker",
  "flask_sqlalchemy", "sqlmodel", "alembic", "pathlib", "uuid", "decimal", "enum", "dataclasses",
]);

/** True when `qname` names `last` inside the external package `root` ("sqlalchemy.orm.Session"). */
export function isExternal(r: Resolved | undefined, root: string, ...last: string[]): boolean {
  if (!r || r.kind !== "external") return false;
  const parts = r.qname.split(".");
  return (parts.length === 1 || parts[0] === root) && last.includes(parts[parts.length - 1] ?? "");
}

export class Resolver {
  private suffixes: Map<string, FileFacts[]> | undefined;
  private symbols = new WeakMap<FileFacts, Map<string, Symbol>>();
  private memo = new Map<string, Resolved>();
  private chains = new Map<string, Resolved[]>();
  // memo and chain keys by the files they depend on, so one file's edit forgets only those
  private memoKeys = new Map<string, string[]>();
  private chainKeys = new Map<string, string[]>();

  constructor(readonly files: ReadonlyMap<string, FileFacts>) {}

  /** The project file for a dotted module name; `near` breaks ties (closest path wins). */
  findModule(mod: string, near?: string): FileFacts | undefined {
    if (!this.suffixes) {
      this.suffixes = new Map();
      for (const f of this.files.values()) {
        const parts = f.module.split(".");
        for (let i = 0; i < parts.length; i++) {
          const key = parts.slice(i).join(".");
          const list = this.suffixes.get(key);
          if (list) list.push(f);
          else this.suffixes.set(key, [f]);
        }
      }
    }
    const list = this.suffixes.get(mod);
    if (!list || list.length === 0) return undefined;
    if (list.length === 1) return list[0];
    return [...list].sort((a, b) => rank(a, mod, near) - rank(b, mod, near) || a.path.localeCompare(b.path))[0];
  }

  symbol(file: FileFacts, name: string): Symbol | undefined {
    let table = this.symbols.get(file);
    if (!table) {
      table = new Map();
      for (const b of file.bindings) table.set(b.name, { kind: "import", target: b.target });
      for (const v of file.vars) table.set(v.name, { kind: "var", v });
      for (const fn of file.functions) table.set(fn.name, { kind: "func", fn });
      for (const cls of file.classes) table.set(cls.name, { kind: "class", cls });
      this.symbols.set(file, table);
    }
    return table.get(name);
  }

  /** Follows a qualified name through modules, imports and plain aliases (`X = Y`). */
  resolve(qname: string, near?: string, hops = 0): Resolved {
    const key = `${near ?? ""}|${qname}`;
    const hit = this.memo.get(key);
    if (hit) return hit;
    const r = this.resolveUncached(qname, near, hops);
    this.memo.set(key, r);
    if (near !== undefined) track(this.memoKeys, near, key);
    if ("file" in r && r.file.path !== near) track(this.memoKeys, r.file.path, key);
    return r;
  }

  /**
   * After `old` was replaced by `now` (same path, same names: see patch.ts): forgets what was
   * resolved from or into the old facts. The files map is the index's own, already updated.
   */
  replaced(old: FileFacts, now: FileFacts): void {
    const parts = old.module.split(".");
    for (let i = 0; i < parts.length && this.suffixes; i++) {
      const list = this.suffixes.get(parts.slice(i).join("."));
      const at = list ? list.indexOf(old) : -1;
      if (list && at >= 0) list[at] = now;
    }
    for (const k of this.memoKeys.get(old.path) ?? []) this.memo.delete(k);
    this.memoKeys.delete(old.path);
    for (const k of this.chainKeys.get(old.path) ?? []) this.chains.delete(k);
    this.chainKeys.delete(old.path);
  }

  private resolveUncached(qname: string, near: string | undefined, hops: number): Resolved {
    const parts = qname.split(".");
    if (hops > MAX_HOPS || EXTERNAL_ROOTS.has(parts[0] ?? "")) return { kind: "external", qname };
    for (let i = parts.length - 1; i >= 1; i--) {
      const file = this.findModule(parts.slice(0, i).join("."), near);
      if (!file) continue;
      const name = parts[i] ?? "";
      const rest = parts.slice(i + 1);
      const sym = this.symbol(file, name);
      if (!sym) {
        // a submodule imported through its package (`from app import models`)
        const sub = this.findModule(`${file.module}.${name}`, file.path);
        if (sub) return this.resolve([sub.module, ...rest].join("."), sub.path, hops + 1);
        continue;
      }
      const here = `${file.module}.${name}`;
      if (sym.kind === "import") return this.resolve([sym.target, ...rest].join("."), file.path, hops + 1);
      if (rest.length > 0) return { kind: "external", qname };
      if (sym.kind === "class") return { kind: "class", file, cls: sym.cls, qname: here };
      if (sym.kind === "func") return { kind: "func", file, fn: sym.fn, qname: here };
      if (sym.v.value.k === "name" && sym.v.value.q !== here) return this.resolve(sym.v.value.q, file.path, hops + 1);
      return { kind: "var", file, v: sym.v, qname: here };
    }
    const mod = this.findModule(qname, near);
    if (mod) return { kind: "module", file: mod, qname };
    return { kind: "external", qname };
  }

  /** Resolves a name or call-callee value; undefined for other expressions. */
  value(v: Value | undefined, near: string): Resolved | undefined {
    if (!v) return undefined;
    if (v.k === "name") return this.resolve(v.q, near);
    return undefined;
  }

  /** A class and its ancestors in MRO-like order (depth first, left to right, no repeats). */
  ancestors(file: FileFacts, cls: ClassFact): Resolved[] {
    const key = `${file.path}::${cls.name}:${cls.line}`;
    const hit = this.chains.get(key);
    if (hit) return hit;
    const out: Resolved[] = [];
    const seen = new Set<string>();
    const visit = (f: FileFacts, c: ClassFact, depth: number): void => {
      const k = `${f.path}::${c.name}:${c.line}`;
      if (seen.has(k) || depth > MAX_HOPS) return;
      seen.add(k);
      out.push({ kind: "class", file: f, cls: c, qname: `${f.module}.${c.name}` });
      for (const b of c.bases) {
        const r = this.value(b, f.path);
        if (!r) continue;
        if (r.kind === "class") visit(r.file, r.cls, depth + 1);
        else if (!seen.has(r.qname)) {
          seen.add(r.qname);
          out.push(r);
        }
      }
    };
    visit(file, cls, 0);
    this.chains.set(key, out);
    const paths = new Set<string>();
    for (const r of out) if (r.kind === "class") paths.add(r.file.path);
    for (const p of paths) track(this.chainKeys, p, key);
    return out;
  }
}

function track(keys: Map<string, string[]>, path: string, key: string): void {
  const list = keys.get(path);
  if (list) list.push(key);
  else keys.set(path, [key]);
}

function rank(f: FileFacts, mod: string, near: string | undefined): number {
  let score = f.module === mod ? 0 : 1000;
  if (near) {
    const a = f.path.split("/");
    const b = near.split("/");
    let common = 0;
    while (common < a.length && common < b.length && a[common] === b[common]) common++;
    score -= common * 10;
  }
  return score + f.path.split("/").length;
}
