// Factory declarations (inherited ones too; Params and traits aside) against the model's
// mapped attributes: names the model does not take, required columns nobody fills.
import type { ClassFact, FileFacts } from "../index/facts";
import type { FactoryInfo } from "../index/factories";
import { closestName } from "./closest";
import type { DriftSubject, Finding } from "./model";
import { requiredGaps, type Gap } from "./required";
import type { DriftContext } from "./surface";
import { declarationFor } from "./values";

export const DRIFT_RANK = 90;

/** Meta options that change what reaches the model, and hooks that rewrite the kwargs. */
export interface FactoryShape {
  exclude: Set<string>;
  rename: Map<string, string>;
  inlineArgs: Set<string>;
  params: Set<string>; // class Params declarations
  rewritesKwargs: boolean; // _adjust_kwargs
  classes: Array<{ file: FileFacts; cls: ClassFact }>;
}

export function factoryShape(ctx: DriftContext, f: FactoryInfo): FactoryShape {
  const hit = ctx.shapes.get(f.qname);
  if (hit) return hit;
  const shape: FactoryShape = { exclude: new Set(), rename: new Map(), inlineArgs: new Set(), params: new Set(), rewritesKwargs: false, classes: [] };
  const own = ctx.classIn(f.file, f.name);
  for (const ref of own ? ctx.resolver.ancestors(own.file, own.cls) : []) {
    if (ref.kind !== "class") continue;
    shape.classes.push({ file: ref.file, cls: ref.cls });
    if (ref.cls.methods.some((m) => m.name === "_adjust_kwargs")) shape.rewritesKwargs = true;
    for (const c of ref.cls.classes) if (c.name === "Params") for (const a of c.attrs) shape.params.add(a.name);
    for (const a of ref.cls.meta?.attrs ?? []) {
      const items = a.value.k === "seq" ? a.value.items : [];
      if (a.name === "exclude") for (const i of items) if (i.k === "str") shape.exclude.add(i.v);
      if (a.name === "inline_args") for (const i of items) if (i.k === "str") shape.inlineArgs.add(i.v);
      if (a.name === "rename" && a.value.k === "dict") {
        for (const [k, v] of a.value.items) if (k.k === "str" && v.k === "str" && !shape.rename.has(k.v)) shape.rename.set(k.v, v.v);
      }
    }
  }
  ctx.shapes.set(f.qname, shape);
  return shape;
}

export function checkFactory(ctx: DriftContext, f: FactoryInfo, calledWithParent: Set<string>, out: Finding[]): void {
  if (f.abstract || f.model === undefined) return;
  const s = ctx.surface(f.model);
  if (!s) return;
  const shape = factoryShape(ctx, f);
  if (shape.rewritesKwargs) return;
  const names = new Map<string, { constant?: string }>();
  const decls = new Map<string, FactoryInfo["fields"][number]>();
  for (const fld of f.fields) {
    if (fld.kind === "post_generation" || fld.kind === "related_factory" || fld.kind === "trait") continue;
    if (shape.exclude.has(fld.name) || shape.params.has(fld.name)) continue;
    const name = shape.rename.get(fld.name) ?? fld.name;
    names.set(name, fld.kind === "constant" ? { constant: fld.text } : {});
    decls.set(name, fld);
  }
  const skip = new Set<string>();
  const where = `${s.model.name} (${s.model.file}:${s.model.defLine + 1})`;
  for (const [name, fld] of decls) {
    if (s.open || s.accepted.has(name) || shape.inlineArgs.has(name)) continue;
    const to = closestName(name, s.mapped.filter((m) => !names.has(m)));
    if (to !== undefined) skip.add(to);
    const finding: Finding = {
      kind: "unknown-model-field",
      file: fld.file,
      line: fld.line + 1,
      symbol: f.name,
      evidence: `${f.name} sets \`${name}\`, which ${where} does not ${s.customInit ? "take in its __init__" : "map"}${to !== undefined ? `: did you mean \`${to}\`?` : "."}`,
      fixes: [],
      rank: DRIFT_RANK,
      subject: { model: s.model.name, name },
    };
    if (to !== undefined && !shape.rename.has(fld.name)) {
      finding.fixes.push("rename-model-field");
      finding.edit = { op: "rename", file: fld.file, line: fld.line, end: fld.end, from: name, to };
    }
    out.push(finding);
  }
  // a custom __init__ may fill anything; a RelatedFactory's caller passes the parent
  if (s.customInit || calledWithParent.has(f.qname)) return;
  const file = ctx.resolver.files.get(f.file);
  for (const gap of requiredGaps(ctx, s, { names, skip })) {
    out.push(gapFinding(ctx, f, gap, decls, file, { model: s.model.name, table: s.columnTable.get(gap.column) ?? "", column: gap.column.name }));
  }
}

function gapFinding(
  ctx: DriftContext,
  f: FactoryInfo,
  gap: Gap,
  decls: Map<string, FactoryInfo["fields"][number]>,
  file: FileFacts | undefined,
  subject: DriftSubject,
): Finding {
  const c = gap.column;
  const col = `${ctx.models.get(f.model ?? "")?.name ?? "the model"}.${gap.attr}`;
  const at = `${c.file}:${c.line + 1}`;
  const decl = decls.get(gap.attr);
  const finding: Finding = {
    kind: gap.kind,
    file: decl && gap.constant !== undefined ? decl.file : f.file,
    line: decl && gap.constant !== undefined ? decl.line + 1 : f.defLine + 1,
    symbol: f.name,
    evidence:
      gap.kind === "missing-required-field"
        ? `${col} is NOT NULL with no default (${at}) and ${f.name} does not set it.`
        : `${col} is a NOT NULL foreign key to ${c.foreignKey ?? gap.table ?? "?"} (${at}); ${f.name} ${gap.constant !== undefined ? `sets it to the constant ${gap.constant}` : "leaves it unset"} and no SubFactory or relationship fills it.`,
    fixes: [],
    rank: DRIFT_RANK,
    subject,
  };
  const d = file ? declarationFor(ctx, gap, file, f.qname) : undefined;
  if (d && !decls.has(d.name)) {
    finding.fixes.push("add-required-field");
    finding.edit = { op: "declare", file: f.file, line: f.line, end: f.end, name: d.name, value: d.value };
  }
  return finding;
}

/** Factories a RelatedFactory builds: their parent object comes from the caller. Read from the
 * per-file facts (no factory analysis), once per index generation. */
export function relatedTargets(ctx: DriftContext): Set<string> {
  if (ctx.related) return ctx.related;
  let byFile = ctx.relatedByFile;
  const look = byFile ? ctx.relatedStale : [...ctx.resolver.files.keys()];
  byFile ??= ctx.relatedByFile = new Map();
  for (const path of look) {
    const file = ctx.resolver.files.get(path);
    const found: string[] = [];
    for (const cls of file?.classes ?? []) {
      for (const a of cls.attrs) {
        const v = a.value;
        if (v.k !== "call" || !/(^|\.)RelatedFactory(List)?$/.test(v.q)) continue;
        const t = v.args[0];
        if (t?.k === "str") found.push(t.v);
        else if (t && file) found.push(ctx.resolver.value(t, file.path)?.qname ?? "");
      }
    }
    if (found.length > 0) byFile.set(path, found);
    else byFile.delete(path);
  }
  ctx.relatedStale = [];
  ctx.related = new Set([...byFile.values()].flat());
  return ctx.related;
}
