// Where a unique value came from, read from the code: a literal a call passed, else the
// factory's declaration (a constant, a random draw, a Sequence). The rules on a run and the
// causes for saved output both ask; each words its own evidence around the answer.
import type { FieldInfo } from "../index/factories";
import type { Cause } from "./model";

export type Literal = string | number | boolean | null;

/** A call that passed the attribute, with the literal it passed (undefined: not a literal). */
export interface Passed<C> {
  call: C;
  literal: Literal | undefined;
}

export type ValueOrigin<C> =
  | { kind: "literal"; call: C }
  | { kind: "computed" } // a call passed something else: the caller made the value
  | { kind: "constant" | "random" | "sequence"; field: FieldInfo };

const RANDOM_KINDS: ReadonlySet<FieldInfo["kind"]> = new Set(["faker", "fuzzy"]);

/** `passed`: the calls that passed the attribute; `field`: the factory's declaration of it. */
export function valueOrigin<C>(passed: ReadonlyArray<Passed<C>>, field: FieldInfo | undefined, value: unknown): ValueOrigin<C> | undefined {
  const same = passed.find((p) => p.literal !== undefined && String(p.literal) === String(value));
  if (same) return { kind: "literal", call: same.call };
  if (passed.length > 0) return { kind: "computed" };
  if (field?.kind === "constant" && String(field.value) === String(value)) return { kind: "constant", field };
  if (field && RANDOM_KINDS.has(field.kind)) return { kind: "random", field };
  if (field?.kind === "sequence" && sequenceCouldMake(field.text, value)) return { kind: "sequence", field };
  return undefined;
}

/** Whether a Sequence's format ("user%d@x", f"user{n}@x") can produce the value; true when it has no literal to tell. */
export function sequenceCouldMake(text: string, value: unknown): boolean {
  const formats = [...text.matchAll(/(?:^|[^\w])[fF]?(["'])((?:(?!\1).)*)\1/g)].map((m) => m[2] ?? "").filter((f) => /%[-\d.]*[dsi]|\{[^}]*\}/.test(f));
  if (formats.length === 0) return true;
  const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return formats.some((f) => {
    const parts = f.split(/%[-\d.]*[dsi]|\{[^}]*\}/);
    return new RegExp(`^${parts.map(escape).join(".+?")}$`).test(String(value));
  });
}

/** The call that passed the literal, as a cause at its line: `UserFactory(email="a@x")`. */
export function literalCause(at: { file: string; line: number; callee: string }, attr: string, value: unknown, unique: string, tail: string, rank: number, verb = "passes"): Cause {
  const shown = JSON.stringify(value);
  return {
    kind: "constant-unique-value",
    file: at.file,
    line: at.line,
    symbol: `${at.callee}(${attr}=${shown})`,
    evidence: `${at.file}:${at.line} ${verb} the constant ${attr}=${shown} for the unique ${unique}${tail}`,
    fixes: ["sequence-unique-value"],
    rank,
  };
}
