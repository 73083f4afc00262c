// Database URLs behind create_engine(...): literals, module constants, url-returning
// functions, environment variables, and sessions/connections bound to an engine.
import { kwarg, literal, valueText, type FileFacts, type Value } from "./facts";
import { isExternal, type Resolver } from "./resolve";

export type UrlKind = "sqlite-file" | "sqlite-memory" | "server" | "env" | "unknown";

export interface UrlInfo {
  kind: UrlKind;
  text: string; // the expression as traced
  url?: string; // literal URL when known
  path?: string; // sqlite-file: the database path as written in the URL
  dialect?: string; // "sqlite", "postgresql", "mysql", ...
  envVar?: string;
  envDefault?: UrlInfo; // the default of os.getenv("X", default)
  via: string[]; // how it was found: "DB_URL (app/db.py:3)", "get_database_url() (conftest.py:8)"
}

export function classifyUrl(url: string, via: string[] = []): UrlInfo {
  const m = /^([a-zA-Z][\w]*)(\+[\w]+)?:\/\/(.*)$/.exec(url);
  if (!m) return { kind: "unknown", text: JSON.stringify(url), url, via };
  const dialect = (m[1] ?? "").toLowerCase();
  const rest = m[3] ?? "";
  const info: UrlInfo = { kind: "server", text: JSON.stringify(url), url, dialect, via };
  if (dialect === "sqlite") {
    const db = rest.startsWith("/") ? rest.slice(1).split("?")[0] ?? "" : "";
    if (db === "" || db === ":memory:" || /mode=memory/.test(rest)) info.kind = "sqlite-memory";
    else {
      info.kind = "sqlite-file";
      info.path = db.replace(/^file:/, "");
    }
  }
  return info;
}

/** Looks up what a fixture parameter gives (its yielded/returned value), for tracing. */
export type ParamLookup = (name: string) => { value: Value; file: FileFacts; lookup: ParamLookup; label: string } | undefined;

export interface TraceCtx {
  resolver: Resolver;
  file: FileFacts;
  lookup?: ParamLookup;
}

const MAX_DEPTH = 10;

/** The URL a `create_engine(...)` first argument stands for. */
export function traceUrl(ctx: TraceCtx, v: Value | undefined, via: string[] = [], depth = 0): UrlInfo {
  const unknown = (t: string): UrlInfo => ({ kind: "unknown", text: t, via });
  if (!v) return unknown("");
  if (depth > MAX_DEPTH) return unknown(valueText(v));
  if (v.k === "str") return classifyUrl(v.v, via);
  if (v.k === "other") {
    // f"sqlite:///{tmp_path}/test.db" and friends: the scheme is still readable
    const m = /^[rfbRFB]*["']{1,3}(sqlite[^:]*:\/\/\/?)(.*?)["']{1,3}$/.exec(v.t);
    if (m) {
      const rest = m[2] ?? "";
      if (rest === "" || rest.includes(":memory:")) return { kind: "sqlite-memory", text: v.t, dialect: "sqlite", via };
      return { kind: "sqlite-file", text: v.t, dialect: "sqlite", path: rest, via };
    }
    return unknown(v.t);
  }
  if (v.k === "name") {
    const param = !v.q.includes(".") && ctx.lookup ? ctx.lookup(v.q) : undefined;
    if (param) {
      return traceUrl({ resolver: ctx.resolver, file: param.file, lookup: param.lookup }, param.value, [...via, param.label], depth + 1);
    }
    const r = ctx.resolver.resolve(v.q, ctx.file.path);
    if (r.kind === "var") {
      return traceUrl({ resolver: ctx.resolver, file: r.file }, r.v.value, [...via, `${r.v.name} (${r.file.path}:${r.v.line + 1})`], depth + 1);
    }
    return unknown(v.t);
  }
  if (v.k === "call" && v.q === "+") {
    // string concatenation: join what resolves; a readable sqlite prefix is enough to classify
    const parts = v.args.map((a) => stringOf(ctx, a));
    if (parts.every((p) => p !== undefined)) return classifyUrl(parts.join(""), via);
    const head = parts[0];
    if (head !== undefined && /^sqlite[^:]*:\/\/\/$/.test(head)) {
      return { kind: "sqlite-file", text: valueText(v), dialect: "sqlite", path: v.args.slice(1).map(valueText).join(" + "), via };
    }
    return unknown(valueText(v));
  }
  if (v.k === "call") {
    const env = envRead(v);
    if (env) {
      const info: UrlInfo = { kind: "env", text: valueText(v), envVar: env.name, via };
      if (env.fallback) info.envDefault = traceUrl(ctx, env.fallback, [], depth + 1);
      return info;
    }
    const r = ctx.resolver.value(v.fn, ctx.file.path);
    if (r?.kind === "func") {
      const ret = r.fn.returns[0];
      const label = `${r.fn.name}() (${r.file.path}:${r.fn.line + 1})`;
      return ret ? traceUrl({ resolver: ctx.resolver, file: r.file }, ret, [...via, label], depth + 1) : unknown(valueText(v));
    }
    if (r?.kind === "external" && /(^|\.)(str)$/.test(r.qname) && v.args[0]) return traceUrl(ctx, v.args[0], via, depth + 1);
    if (isExternal(r, "sqlalchemy", "make_url") && v.args[0]) return traceUrl(ctx, v.args[0], via, depth + 1);
  }
  return unknown(valueText(v));
}

function stringOf(ctx: TraceCtx, v: Value, depth = 0): string | undefined {
  if (v.k === "str") return v.v;
  if (v.k === "name" && depth < 4) {
    const r = ctx.resolver.resolve(v.q, ctx.file.path);
    return r.kind === "var" ? stringOf({ resolver: ctx.resolver, file: r.file }, r.v.value, depth + 1) : undefined;
  }
  return undefined;
}

function envRead(v: Extract<Value, { k: "call" }>): { name: string; fallback?: Value } | undefined {
  if (!/^os\.(getenv|environ\.get|environ\.__getitem__)$/.test(v.q)) return undefined;
  const name = literal(v.args[0] ?? kwarg(v, "key"));
  if (typeof name !== "string") return undefined;
  const fallback = v.args[1] ?? kwarg(v, "default");
  return fallback ? { name, fallback } : { name };
}

export function isEngineCall(v: Extract<Value, { k: "call" }>): boolean {
  return /(^|\.)create(_async)?_engine$/.test(v.q);
}

/**
 * Follows a session, sessionmaker, connection or engine expression to the engine it is
 * bound to, and gives that engine's URL.
 */
export function traceBind(ctx: TraceCtx, v: Value | undefined, via: string[] = [], depth = 0): UrlInfo | undefined {
  if (!v || depth > MAX_DEPTH) return undefined;
  if (v.k === "call") {
    if (isEngineCall(v)) return traceUrl(ctx, v.args[0] ?? kwarg(v, "url"), via, depth + 1);
    const bind = kwarg(v, "bind") ?? v.args[0];
    if (/(^|\.)(sessionmaker|async_sessionmaker|scoped_session|async_scoped_session|Session|AsyncSession)$/.test(v.q)) {
      return traceBind(ctx, bind, via, depth + 1);
    }
    if (v.fn.k === "attr" || (v.fn.k === "name" && v.fn.q.includes("."))) {
      // engine.connect(), engine.begin(), SessionLocal() → the object called
      const obj = v.fn.k === "attr" ? v.fn.obj : undefined;
      if (obj) return traceBind(ctx, obj, via, depth + 1);
    }
    return traceBind(ctx, v.fn, via, depth + 1);
  }
  if (v.k === "attr") return traceBind(ctx, v.obj, via, depth + 1);
  if (v.k === "name") {
    const param = !v.q.includes(".") && ctx.lookup ? ctx.lookup(v.q) : undefined;
    if (param) return traceBind({ resolver: ctx.resolver, file: param.file, lookup: param.lookup }, param.value, [...via, param.label], depth + 1);
    const r = ctx.resolver.resolve(v.q, ctx.file.path);
    if (r.kind === "var") return traceBind({ resolver: ctx.resolver, file: r.file }, r.v.value, [...via, `${r.v.name} (${r.file.path}:${r.v.line + 1})`], depth + 1);
    if (r.kind === "func") {
      const ret = r.fn.returns[0];
      return traceBind({ resolver: ctx.resolver, file: r.file }, ret, [...via, `${r.fn.name}() (${r.file.path}:${r.fn.line + 1})`], depth + 1);
    }
    // `engine.connect()` where engine is a plain name: drop the attribute part
    const dot = v.t.lastIndexOf(".");
    if (dot > 0 && !v.q.startsWith("sqlalchemy")) {
      const head = v.t.slice(0, dot);
      return traceBind(ctx, { k: "name", q: v.q.slice(0, v.q.length - (v.t.length - dot)), t: head }, via, depth + 1);
    }
  }
  return undefined;
}
