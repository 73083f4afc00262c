// pytest fixtures and tests: what each fixture does with engines, sessions and transactions,
// which fixtures a test can see (class, module, conftest.py chain, pytest_plugins).
import { kwarg, literal, valueText, type FileFacts, type FuncFact, type Op, type Value, type DefSite } from "./facts";
import type { Resolver } from "./resolve";
import { traceBind, traceUrl, type ParamLookup, type UrlInfo } from "./urls";

export interface OpSite {
  line: number;
  end: number;
  recv?: string;
  text?: string;
}

/** An engine a fixture creates (create_engine) or gets (a helper's return value, create_all's bind). */
export interface EngineInfo {
  line: number;
  end: number;
  text: string;
  url: UrlInfo;
}

export interface SessionInfo {
  kind: "sessionmaker" | "session" | "scoped_session";
  line: number;
  end: number;
  text: string;
  bind?: string;
  joinTransactionMode?: string;
  url?: UrlInfo; // of the engine it is bound to, when traceable
}

export interface FixtureInfo extends DefSite {
  name: string; // as requested (name= wins over the function name)
  func: string;
  className?: string;
  scope: string; // "function" unless given
  autouse: boolean;
  params?: string;
  uses: string[];
  yields: boolean;
  engines: EngineInfo[];
  sessions: SessionInfo[];
  begins: OpSite[];
  nested: OpSite[]; // begin_nested
  rollbacks: OpSite[];
  closes: OpSite[];
  commits: OpSite[];
  createAll: OpSite[];
  dropAll: OpSite[];
}

export interface TestInfo extends DefSite {
  nodeId: string; // "tests/test_users.py::TestUsers::test_email"
  name: string;
  className?: string;
  params: string[]; // fixtures requested as arguments
  useFixtures: string[]; // @pytest.mark.usefixtures(...)
  calls: FuncFact["calls"]; // candidate factory calls (resolved at link time)
  commits: OpSite[];
}

export function isTestFile(relPath: string): boolean {
  const base = relPath.split("/").pop() ?? "";
  return /^test_.*\.py$/.test(base) || /_test\.py$/.test(base);
}

export function isConftest(relPath: string): boolean {
  return (relPath.split("/").pop() ?? "") === "conftest.py";
}

/** Test set-up: a test module, a conftest.py, or anything under a `tests`/`test` folder. */
export function isTestSetup(relPath: string): boolean {
  return isTestFile(relPath) || isConftest(relPath) || relPath.split("/").slice(0, -1).some((d) => d === "tests" || d === "test");
}

function fixtureDecorator(resolver: Resolver, file: FileFacts, d: Value): Value | undefined {
  const fn = d.k === "call" ? d.fn : d;
  if (fn.k !== "name") return undefined;
  const r = resolver.resolve(fn.q, file.path);
  const q = r.kind === "external" ? r.qname : "";
  return /^(pytest|pytest_asyncio)\.fixture$/.test(q) || q === "fixture" ? d : undefined;
}

function sites(ops: Op[], kind: Op["op"]): OpSite[] {
  return ops.filter((o) => o.op === kind).map((o) => (o.recv === undefined ? { line: o.line, end: o.end } : { line: o.line, end: o.end, recv: o.recv }));
}

/** Fixtures defined in one file (module level and in classes), without cross-file links. */
export function fileFixtures(resolver: Resolver, file: FileFacts): FixtureInfo[] {
  const out: FixtureInfo[] = [];
  const visit = (fn: FuncFact, className?: string): void => {
    const dec = fn.decorators.map((d) => fixtureDecorator(resolver, file, d)).find((d) => d !== undefined);
    if (!dec) return;
    const opt = (k: string) => (dec.k === "call" ? kwarg(dec, k) : undefined);
    const name = literal(opt("name"));
    const scope = literal(opt("scope"));
    const params = opt("params");
    const f: FixtureInfo = {
      name: typeof name === "string" ? name : fn.name,
      func: fn.name,
      file: file.path,
      line: fn.line,
      defLine: fn.defLine,
      end: fn.end,
      scope: typeof scope === "string" ? scope : "function",
      autouse: literal(opt("autouse")) === true,
      uses: fn.params.filter((p) => p !== "self" && p !== "cls"),
      yields: fn.ops.some((o) => o.op === "yield"),
      engines: [],
      sessions: [],
      begins: sites(fn.ops, "begin"),
      nested: sites(fn.ops, "begin_nested"),
      rollbacks: sites(fn.ops, "rollback"),
      closes: sites(fn.ops, "close"),
      commits: sites(fn.ops, "commit"),
      createAll: sites(fn.ops, "create_all"),
      dropAll: sites(fn.ops, "drop_all"),
    };
    if (className !== undefined) f.className = className;
    if (params) f.params = valueText(params);
    out.push(f);
  };
  for (const fn of file.functions) visit(fn);
  for (const cls of file.classes) for (const m of cls.methods) visit(m, cls.name);
  return out;
}

/** Fills engines and sessions (needs fixture lookup for `bind=engine` parameters). */
export function linkFixture(resolver: Resolver, file: FileFacts, f: FixtureInfo, fn: FuncFact, lookup: ParamLookup): void {
  const ctx = { resolver, file, lookup };
  for (const op of fn.ops) {
    const call = op.call;
    if (!call || call.k !== "call") continue;
    if (op.op === "create_engine") {
      f.engines.push({ line: op.line, end: op.end, text: valueText(call), url: traceUrl(ctx, call.args[0] ?? kwarg(call, "url")) });
    } else if (op.op === "sessionmaker" || op.op === "session" || op.op === "scoped_session") {
      const s: SessionInfo = { kind: op.op, line: op.line, end: op.end, text: valueText(call) };
      const bind = kwarg(call, "bind") ?? call.args[0];
      if (bind) s.bind = valueText(bind);
      const jtm = literal(kwarg(call, "join_transaction_mode"));
      if (typeof jtm === "string") s.joinTransactionMode = jtm;
      const url = traceBind(ctx, call);
      if (url) s.url = url;
      f.sessions.push(s);
    } else if ((op.op === "create_all" || op.op === "drop_all") && f.engines.length === 0) {
      const bind = call.args[0] ?? kwarg(call, "bind");
      const url = bind ? traceBind(ctx, bind) : undefined;
      if (url) f.engines.push({ line: op.line, end: op.end, text: valueText(call), url });
    }
  }
  if (f.engines.length === 0 && f.sessions.length === 0) {
    // `engine = make_engine(...)`; `yield engine`: an engine from a helper function
    const out = fn.ops.find((o) => o.op === "yield")?.value ?? fn.returns[0];
    const url = out ? traceBind(ctx, out) : undefined;
    if (out && url && url.kind !== "unknown") {
      const at = out.k === "call" ? out : fn;
      f.engines.push({ line: at.line, end: at.end, text: valueText(out), url });
    }
  }
}

export function fileTests(file: FileFacts): Array<{ test: TestInfo; fn: FuncFact }> {
  if (!isTestFile(file.path)) return [];
  const out: Array<{ test: TestInfo; fn: FuncFact }> = [];
  const marks = (decorators: Value[]): string[] => {
    const names: string[] = [];
    for (const d of decorators) {
      if (d.k === "call" && /(^|\.)mark\.usefixtures$/.test(d.q)) for (const a of d.args) if (a.k === "str") names.push(a.v);
    }
    return names;
  };
  const add = (fn: FuncFact, className?: string, classMarks: string[] = []): void => {
    if (!fn.name.startsWith("test")) return;
    const t: TestInfo = {
      nodeId: className ? `${file.path}::${className}::${fn.name}` : `${file.path}::${fn.name}`,
      name: fn.name,
      file: file.path,
      line: fn.line,
      defLine: fn.defLine,
      end: fn.end,
      params: fn.params.filter((p) => p !== "self" && p !== "cls"),
      useFixtures: [...classMarks, ...marks(fn.decorators)],
      calls: fn.calls,
      commits: sites(fn.ops, "commit"),
    };
    if (className !== undefined) t.className = className;
    out.push({ test: t, fn });
  };
  for (const fn of file.functions) add(fn);
  for (const cls of file.classes) {
    if (!cls.name.startsWith("Test") || cls.methods.some((m) => m.name === "__init__")) continue;
    const classMarks = marks(cls.decorators);
    for (const m of cls.methods) add(m, cls.name, classMarks);
  }
  return out;
}

/** Files whose fixtures a test file sees, nearest first: itself, conftest.py chain, plugins. */
export function fixtureScopes(resolver: Resolver, relPath: string): FileFacts[] {
  const out: FileFacts[] = [];
  const seen = new Set<string>();
  const push = (f: FileFacts | undefined): void => {
    if (f && !seen.has(f.path)) {
      seen.add(f.path);
      out.push(f);
    }
  };
  push(resolver.files.get(relPath));
  const dirs = relPath.split("/").slice(0, -1);
  for (let i = dirs.length; i >= 0; i--) {
    const conftest = [...dirs.slice(0, i), "conftest.py"].join("/");
    push(resolver.files.get(conftest));
  }
  // pytest_plugins of every file so far, and of those plugins (two levels is plenty)
  for (let round = 0; round < 2; round++) {
    for (const f of [...out]) {
      for (const p of f.pytestPlugins) push(resolver.findModule(p, f.path));
    }
  }
  return out;
}
