// `Status.ADJUDICATED` in a factory declaration or a call's keywords, where the project enum
// Status has no such member (an AttributeError when the line runs).
import type { Value } from "../index/facts";
import { closestName } from "./closest";
import type { Finding } from "./model";
import type { DriftContext } from "./surface";

const RANK = 90;

export interface EnumSite {
  file: string;
  line: number; // 0-based span of the declaration or call
  end: number;
  symbol: string;
}

export function checkEnumValues(ctx: DriftContext, values: Value[], site: EnumSite, out: Finding[]): void {
  for (const v of values) visitNames(v, (q, t) => checkName(ctx, q, t, site, out));
}

function checkName(ctx: DriftContext, q: string, t: string, site: EnumSite, out: Finding[]): void {
  const use = ctx.enumUse(q, site.file);
  if (!use || use.info.members.includes(use.member)) return;
  const { info, member } = use;
  // the name as written: `Status.X` or `models.Status.X`
  const written = t.split(".");
  const at = written.lastIndexOf(member);
  const enumName = at > 0 ? (written[at - 1] ?? info.name) : info.name;
  const to = closestName(member, info.members);
  const f: Finding = {
    kind: "unknown-enum-member",
    file: site.file,
    line: site.line + 1,
    symbol: site.symbol,
    evidence: `\`${enumName}.${member}\` is not a member of ${info.name} (${info.file}:${info.line + 1})${to !== undefined ? `: did you mean \`${enumName}.${to}\`?` : `; members: ${info.members.join(", ")}.`}`,
    fixes: [],
    rank: RANK,
    subject: { enumName: info.name, member },
  };
  if (to !== undefined) {
    f.fixes.push("replace-enum-member");
    f.edit = { op: "member", file: site.file, line: site.line, end: site.end, enumName, from: member, to };
  }
  out.push(f);
}

function visitNames(v: Value, use: (q: string, t: string) => void, depth = 0): void {
  if (depth > 8) return;
  switch (v.k) {
    case "name":
      if (v.q.includes(".")) use(v.q, v.t);
      return;
    case "attr":
      visitNames(v.obj, use, depth + 1);
      return;
    case "call":
      visitNames(v.fn, use, depth + 1);
      for (const a of v.args) visitNames(a, use, depth + 1);
      for (const k of v.kw) visitNames(k.value, use, depth + 1);
      return;
    case "seq":
      for (const i of v.items) visitNames(i, use, depth + 1);
      return;
    case "dict":
      for (const [a, b] of v.items) {
        visitNames(a, use, depth + 1);
        visitNames(b, use, depth + 1);
      }
      return;
    default:
      return;
  }
}
