// A finding's fix as a plain text edit against the file's current text (0-based line and
// character, like an editor's). Undefined when the text no longer has what the fix changes:
// applying a fix twice changes nothing.
import type { TextEdit } from "../fixes/model";
import { applyEdits } from "../fixes/text";
import type { Finding } from "./model";

export type { TextEdit };

export function fixEdit(finding: Finding, text: string): TextEdit | undefined {
  const e = finding.edit;
  if (!e) return undefined;
  const lines = text.split("\n");
  const last = Math.min(e.end, lines.length - 1);
  if (e.op === "rename") {
    // `name =` in a class body, `name=` in a call; never `name ==`, never `.name`
    const re = new RegExp(`(^|[^\\w.])(${escape(e.from)})\\s*(?::[^=\\n]*)?=(?!=)`);
    for (let i = e.line; i <= last; i++) {
      const m = re.exec(lines[i] ?? "");
      if (!m) continue;
      const at = m.index + (m[1] ?? "").length;
      return { file: e.file, range: range(i, at, i, at + e.from.length), newText: e.to, title: `Rename \`${e.from}\` to \`${e.to}\`` };
    }
    return undefined;
  }
  if (e.op === "member") {
    const re = new RegExp(`\\b${escape(e.enumName)}\\s*\\.\\s*(${escape(e.from)})\\b`);
    for (let i = e.line; i <= last; i++) {
      const m = re.exec(lines[i] ?? "");
      if (!m) continue;
      const at = m.index + m[0].length - e.from.length;
      return { file: e.file, range: range(i, at, i, at + e.from.length), newText: e.to, title: `Use \`${e.enumName}.${e.to}\`` };
    }
    return undefined;
  }
  // declare: after the last line of the class body, at the body's indentation
  const declared = new RegExp(`^\\s+${escape(e.name)}\\s*(:[^=]*)?=`);
  const header = lines[e.line] ?? "";
  const classIndent = /^\s*/.exec(header)?.[0].length ?? 0;
  let indent: string | undefined;
  for (let i = e.line + 1; i <= last && indent === undefined; i++) {
    const l = lines[i] ?? "";
    const lead = /^\s*/.exec(l)?.[0] ?? "";
    if (l.trim() && !l.trim().startsWith("#") && lead.length > classIndent) indent = lead;
  }
  // the body may have grown since the index saw it (a fix applied already): scan to its real end
  let bodyEnd = last;
  while (bodyEnd + 1 < lines.length && (!lines[bodyEnd + 1]?.trim() || (/^\s*/.exec(lines[bodyEnd + 1] ?? "")?.[0].length ?? 0) > classIndent)) bodyEnd++;
  for (let i = e.line + 1; i <= bodyEnd; i++) if (declared.test(lines[i] ?? "") && lines[i]?.startsWith(`${indent ?? ""}${e.name}`)) return undefined;
  if (indent === undefined) return undefined;
  const end = (lines[last] ?? "").replace(/\r$/, "").length;
  return { file: e.file, range: range(last, end, last, end), newText: `\n${indent}${e.name} = ${e.value}`, title: `Declare \`${e.name} = ${e.value}\`` };
}

/** The text with one edit applied (for tests and the CLI; the editor applies its own). */
export function applyEdit(text: string, edit: TextEdit): string {
  return applyEdits(text, [edit]);
}

function range(l1: number, c1: number, l2: number, c2: number): TextEdit["range"] {
  return { start: { line: l1, character: c1 }, end: { line: l2, character: c2 } };
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
