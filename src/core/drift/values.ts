// The value a fix declares for a column a factory leaves empty: a SubFactory on the
// relationship for a foreign key whose model has a factory, a Sequence for a unique string or
// integer, a Faker provider or a constant that fits the column's type otherwise.
import type { FileFacts } from "../index/facts";
import type { Gap } from "./required";
import type { DriftContext } from "./surface";

export interface Declaration {
  name: string;
  value: string;
}

export function declarationFor(ctx: DriftContext, gap: Gap, file: FileFacts, factoryQname: string): Declaration | undefined {
  if (!file.bindings.some((b) => b.name === "factory" && b.target === "factory")) return undefined;
  if (gap.kind === "dangling-foreign-key") {
    const rel = gap.relationship;
    const target = rel?.target;
    const f = target ? ctx.index.factories().find((x) => !x.abstract && x.model === target.qname) : undefined;
    if (!rel || !f || f.qname === factoryQname) return undefined;
    const bound = f.file === file.path ? f.name : file.bindings.find((b) => b.target === f.qname)?.name;
    return { name: rel.attr, value: `factory.SubFactory(${bound ?? JSON.stringify(f.qname)})` };
  }
  const value = valueForType(ctx, gap, file);
  return value === undefined ? undefined : { name: gap.attr, value };
}

function valueForType(ctx: DriftContext, gap: Gap, file: FileFacts): string | undefined {
  const c = gap.column;
  const type = (c.type ?? "").replace(/^(sa|sqlalchemy)\./, "");
  const name = gap.attr;
  if (/^(String|Unicode|UnicodeText|Text|VARCHAR|CHAR|NVARCHAR|str)\b/.test(type)) {
    if (c.unique) return /email/i.test(name) ? 'factory.Sequence(lambda n: f"user{n}@example.com")' : `factory.Sequence(lambda n: f"${name}-{n}")`;
    if (/email/i.test(name)) return 'factory.Faker("email")';
    if (/name/i.test(name)) return 'factory.Faker("name")';
    return 'factory.Faker("word")';
  }
  if (/^(Integer|BigInteger|SmallInteger|int)\b/.test(type)) return c.unique ? "factory.Sequence(lambda n: n)" : "0";
  if (/^(Boolean|bool)\b/.test(type)) return "False";
  if (/^(Float|Numeric|DECIMAL|Decimal|float)\b/.test(type)) return "0";
  if (/^(DateTime|datetime)\b/.test(type)) return 'factory.Faker("date_time")';
  if (/^(Date|date)\b/.test(type)) return 'factory.Faker("date_object")';
  const m = /^(?:Enum\((\w+)|(\w+)$)/.exec(type);
  const enumName = m?.[1] ?? m?.[2];
  if (enumName !== undefined) {
    // an Enum column: its first member, when the enum's name is usable in the factory's file
    const use = ctx.enumUse(`${qualified(file, enumName)}.x`, file.path);
    const first = use?.info.members[0];
    if (use && first !== undefined) return `${enumName}.${first}`;
  }
  return undefined;
}

function qualified(file: FileFacts, name: string): string {
  const b = file.bindings.find((x) => x.name === name);
  if (b) return b.target;
  return file.classes.some((c) => c.name === name) ? `${file.module}.${name}` : "\0";
}
