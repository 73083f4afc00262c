// sequence-unique-value: a factory field that is a constant or a random draw on a unique column
// becomes a factory.Sequence that keeps the value's shape ("a@example.com" → f"a{n}@example.com").
// Only factory class fields: a literal a test passes on purpose is the test's business.
import type { Cause } from "../causes/model";
import type { Fix, FixContext } from "./model";
import { assignment, body, calleeName, definition, imported, named, type Node, stringParts, walk, withTree } from "./syntax";
import { edit } from "./text";

export async function sequenceValue(cause: Cause, ctx: FixContext): Promise<Fix | undefined> {
  const m = /^(\w+)\.(\w+)$/.exec(cause.symbol);
  const text = ctx.read(cause.file);
  if (!m || text === undefined) return undefined;
  const [, className = "", field = ""] = m;
  return withTree(text, (root) => {
    const cls = definition(root, "class_definition", className);
    const value = cls && assignment(body(cls), field)?.childForFieldName("right");
    if (!value || /Sequence$/.test(calleeName(value))) return undefined;
    const lambda = sequenceBody(value, field);
    if (!lambda) return undefined;
    const seq = imported(root, text, cause.file, "factory", "Sequence");
    const newText = `${seq.ref}(lambda n: ${lambda})`;
    const title = `Make ${className}.${field} unique per row: ${newText}`;
    return { id: "sequence-unique-value" as const, title, edits: [edit(cause.file, text, value.startIndex, value.endIndex, newText, title), ...(seq.edit ? [seq.edit] : [])] };
  });
}

/** The lambda's body: the literal's shape with the counter in it. */
function sequenceBody(value: Node, field: string): string | undefined {
  if (value.type === "integer") return `${value.text} + n`;
  if (value.type === "string") {
    const p = stringParts(value);
    return p && fString(p.prefix, p.quote, p.content);
  }
  if (value.type !== "call") return undefined;
  // a random draw: the first string it draws from shows the shape; e-mail providers get one
  const args = value.childForFieldName("arguments");
  const provider = named(args).find((a) => a.type === "string");
  const providerName = provider ? stringParts(provider)?.content ?? "" : "";
  const quote = provider ? stringParts(provider)?.quote ?? '"' : '"';
  if (/email/i.test(providerName)) return fString("", quote, "user@example.com");
  const sample = [...walk(value)].find((n) => n !== provider && n.type === "string" && stringParts(n));
  const parts = sample && stringParts(sample);
  if (parts) return fString("", parts.quote, parts.content);
  return fString("", quote, `${field}-`);
}

/**
 * f"<content>" with the counter before the `@` of an address, else at the end; braces escaped.
 * The first value stays the old literal (`{n or ''}`), so a test that looks for it still finds it.
 */
function fString(prefix: string, quote: string, content: string): string {
  const esc = content.replace(/[{}]/g, (c) => c + c);
  const at = /^[^@\s]+@[^@\s]+$/.test(content) ? esc.indexOf("@") : -1;
  const other = quote.startsWith('"') ? "''" : '""';
  const n = `{n or ${other}}`;
  const withN = at >= 0 ? `${esc.slice(0, at)}${n}${esc.slice(at)}` : `${esc}${n}`;
  const keep = prefix.replace(/[uU]/g, "");
  return `${keep}f${quote}${withN}${quote}`;
}
