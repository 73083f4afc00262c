// Direct model constructor calls in tests, fixtures and conftest helpers (`User(name=...)`),
// and keyword arguments of factory calls the factory passes on to its model.
import { literal, valueText, type CallFact, type FileFacts, type FuncFact } from "../index/facts";
import { isConftest, isTestFile } from "../index/fixtures";
import { closestName } from "./closest";
import { DRIFT_RANK, factoryShape } from "./factoryCheck";
import type { Finding } from "./model";
import { requiredGaps } from "./required";
import type { DriftContext } from "./surface";

export function isCallerFile(rel: string): boolean {
  return isTestFile(rel) || isConftest(rel);
}

export function functionsOf(file: FileFacts): Array<{ fn: FuncFact; symbol: string }> {
  const out = file.functions.map((fn) => ({ fn, symbol: `${file.path}::${fn.name}` }));
  for (const c of file.classes) for (const fn of c.methods) out.push({ fn, symbol: `${file.path}::${c.name}::${fn.name}` });
  return out;
}

export function checkCalls(ctx: DriftContext, file: FileFacts, out: Finding[]): void {
  const refs = new Map<string, ReturnType<DriftContext["classRef"]>>();
  for (const { fn, symbol } of functionsOf(file)) {
    for (const c of fn.calls) {
      let ref = refs.get(c.callee);
      if (!refs.has(c.callee)) refs.set(c.callee, (ref = ctx.classRef(c.callee, file.path)));
      if (!ref) continue;
      ctx.calledFrom(ref.qname, file.path);
      if (c.method === "call" && ctx.models.has(ref.qname)) checkModelCall(ctx, file, fn, c, ref.qname, symbol, out);
      else checkFactoryCall(ctx, file, c, ref.qname, symbol, out);
    }
  }
}

function checkModelCall(ctx: DriftContext, file: FileFacts, fn: FuncFact, c: CallFact, model: string, symbol: string, out: Finding[]): void {
  const s = ctx.surface(model);
  if (!s) return;
  const names = new Map<string, { constant?: string }>();
  for (const k of c.kw) if (k.name) names.set(k.name, literal(k.value) !== undefined ? { constant: valueText(k.value) } : {});
  const skip = new Set<string>();
  for (const name of names.keys()) {
    if (s.open || s.accepted.has(name)) continue;
    const to = closestName(name, s.mapped.filter((m) => !names.has(m)));
    if (to !== undefined) skip.add(to);
    out.push(unknownName(file, c, symbol, `${c.t}(${name}=...)`, name, `${s.model.name} (${s.model.file}:${s.model.defLine + 1})`, to, s.customInit, s.model.name));
  }
  // keywords spread in, or attributes set after the call (`user.org = org`): cannot tell
  const splat = c.kw.some((k) => k.name === "");
  const local = fn.locals.find((l) => l.value.k === "call" && l.value.line === c.line && l.line <= c.line);
  if (s.customInit || splat || (local && fn.attrSets?.includes(local.name))) return;
  for (const gap of requiredGaps(ctx, s, { names, skip })) {
    // `depot.shipments.append(Shipment(...))`: the other side's collection may fill the key
    if (gap.kind === "dangling-foreign-key" && gap.constant === undefined && reverseCollection(ctx, gap.table, model)) continue;
    const col = `${s.model.name}.${gap.attr}`;
    const at = `${gap.column.file}:${gap.column.line + 1}`;
    out.push({
      kind: gap.kind,
      file: file.path,
      line: c.line + 1,
      symbol,
      evidence:
        gap.kind === "missing-required-field"
          ? `${col} is NOT NULL with no default (${at}) and \`${c.t}(...)\` does not pass it.`
          : `${col} is a NOT NULL foreign key to ${gap.column.foreignKey ?? "?"} (${at}); \`${c.t}(...)\` ${gap.constant !== undefined ? `passes the constant ${gap.constant}` : "does not pass it"} and no relationship fills it.`,
      fixes: [],
      rank: DRIFT_RANK,
      subject: { model: s.model.name, table: s.columnTable.get(gap.column) ?? "", column: gap.column.name },
    });
  }
}

function reverseCollection(ctx: DriftContext, table: string | undefined, model: string): boolean {
  for (const m of ctx.models.values()) {
    if (m.table !== table) continue;
    const rels = ctx.surface(m.qname)?.relationships ?? [];
    if (rels.some((r) => r.target === undefined || r.target.qname === model)) return true;
  }
  return false;
}

/** `UserFactory(nmae="x")`: neither a declaration, a Params entry nor a model attribute. */
function checkFactoryCall(ctx: DriftContext, file: FileFacts, c: CallFact, qname: string, symbol: string, out: Finding[]): void {
  const takes = callableNames(ctx, qname);
  if (!takes) return;
  for (const k of c.kw) {
    if (!k.name || k.name.includes("__") || takes.has(k.name)) continue;
    const f = ctx.factory(qname);
    const s = f?.model !== undefined ? ctx.surface(f.model) : undefined;
    if (!f || !s) continue;
    const to = closestName(k.name, [...f.fields.map((x) => x.name), ...s.mapped]);
    out.push(unknownName(file, c, symbol, `${c.t}(${k.name}=...)`, k.name, `${f.name} or ${s.model.name} (${s.model.file}:${s.model.defLine + 1})`, to, s.customInit, s.model.name));
  }
}

/** Keywords a factory call takes (null: anything, or not a checkable factory); once per factory. */
function callableNames(ctx: DriftContext, qname: string): Set<string> | null {
  const hit = ctx.callable.get(qname);
  if (hit !== undefined) return hit;
  let takes: Set<string> | null = null;
  const f = ctx.factory(qname);
  const s = f && !f.abstract && f.model !== undefined ? ctx.surface(f.model) : undefined;
  const shape = f && s && !s.open ? factoryShape(ctx, f) : undefined;
  if (f && s && shape && !shape.rewritesKwargs) {
    takes = new Set([...f.fields.map((x) => x.name), ...shape.params, ...shape.exclude, ...shape.inlineArgs]);
    for (const name of s.accepted) takes.add(name);
    for (const [from, to] of shape.rename) if (s.accepted.has(to)) takes.add(from);
  }
  ctx.callable.set(qname, takes);
  return takes;
}

function unknownName(file: FileFacts, c: CallFact, symbol: string, what: string, name: string, where: string, to: string | undefined, init: boolean, model: string): Finding {
  const f: Finding = {
    kind: "unknown-model-field",
    file: file.path,
    line: c.line + 1,
    symbol,
    evidence: `\`${what}\`: ${where} does not ${init ? "take it in its __init__" : "map it"}${to !== undefined ? `; did you mean \`${to}\`?` : "."}`,
    fixes: [],
    rank: DRIFT_RANK,
    subject: { model, name },
  };
  if (to !== undefined) {
    f.fixes.push("rename-model-field");
    f.edit = { op: "rename", file: file.path, line: c.line, end: c.end, from: name, to };
  }
  return f;
}
