// Offsets and positions, and applying edits: the one place that turns tree-sitter offsets (UTF-16
// code units) into editor positions and back.
import type { Position, TextEdit } from "./model";

export function positionAt(text: string, offset: number): Position {
  let line = 0;
  let start = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, character: offset - start };
}

export function offsetAt(text: string, p: Position): number {
  let o = 0;
  for (let i = 0; i < p.line; i++) {
    const nl = text.indexOf("\n", o);
    if (nl === -1) return text.length;
    o = nl + 1;
  }
  return Math.min(o + p.character, text.length);
}

export function edit(file: string, text: string, start: number, end: number, newText: string, title: string): TextEdit {
  return { file, range: { start: positionAt(text, start), end: positionAt(text, end) }, newText, title };
}

/** The text with edits of one file applied (they must not overlap). */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  // inserts at one offset keep their order (the first edit's text first), as an editor applies them
  const spans = edits
    .map((e, i) => ({ start: offsetAt(text, e.range.start), end: offsetAt(text, e.range.end), newText: e.newText, i }))
    .sort((a, b) => b.start - a.start || b.end - a.end || b.i - a.i);
  let out = text;
  let limit = Infinity;
  for (const s of spans) {
    if (s.end > limit) throw new Error("overlapping edits");
    out = out.slice(0, s.start) + s.newText + out.slice(s.end);
    limit = s.start;
  }
  return out;
}

/** The indentation of the line holding `offset`. */
export function indentAt(text: string, offset: number): string {
  const start = text.lastIndexOf("\n", offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(start))?.[0] ?? "";
}

/** The offset of the start of the line holding `offset`. */
export function lineStart(text: string, offset: number): number {
  return text.lastIndexOf("\n", offset - 1) + 1;
}

/** The offset just past the end of the line holding `offset` (after its newline). */
export function nextLine(text: string, offset: number): number {
  const nl = text.indexOf("\n", offset);
  return nl === -1 ? text.length : nl + 1;
}

/** One level of indentation as the file writes it (4 spaces unless it uses something else). */
export function indentUnit(text: string): string {
  const m = /\n([ \t]+)\S/.exec(text);
  return m?.[1] && m[1].length <= 8 ? m[1] : "    ";
}
