// Reading and parsing one file into facts: size limit, undecodable bytes, parser reuse.
import type { Parser } from "web-tree-sitter";
import { emptyFacts, type FileFacts } from "./facts";
import { countLines, extractFacts } from "./extract";

export const DEFAULT_MAX_BYTES = 2 * 1024 * 1024;

const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: false });

/** UTF-8 with U+FFFD for bad bytes: a latin-1 file still indexes (its names are ASCII). */
export function decode(bytes: Uint8Array): { text: string; replaced: boolean } {
  const text = decoder.decode(bytes);
  return { text, replaced: text.includes("\uFFFD") };
}

/** Facts for a file's text with the given parser; never throws. */
export function factsFromText(parser: Parser, relPath: string, text: string, maxBytes = DEFAULT_MAX_BYTES): FileFacts {
  const lines = countLines(text);
  if (text.length > maxBytes) {
    const f = emptyFacts(relPath, lines);
    f.skipped = `larger than ${maxBytes} bytes`;
    f.notes.push(`skipped: ${text.length} characters is above the ${maxBytes} limit`);
    return f;
  }
  let tree;
  try {
    tree = parser.parse(text);
  } catch (err) {
    tree = null;
    const f = emptyFacts(relPath, lines);
    f.skipped = `parse failed: ${err instanceof Error ? err.message : String(err)}`;
    return f;
  }
  if (!tree) {
    const f = emptyFacts(relPath, lines);
    f.skipped = "parser returned no tree";
    return f;
  }
  try {
    return extractFacts(relPath, tree, lines);
  } finally {
    tree.delete();
  }
}

/** Facts for raw file bytes (decoding with replacement, size limit before decoding). */
export function factsFromBytes(parser: Parser, relPath: string, bytes: Uint8Array, maxBytes = DEFAULT_MAX_BYTES): FileFacts {
  if (bytes.length > maxBytes) {
    const f = emptyFacts(relPath, 0);
    f.skipped = `larger than ${maxBytes} bytes`;
    f.notes.push(`skipped: ${bytes.length} bytes is above the ${maxBytes} limit`);
    return f;
  }
  const { text, replaced } = decode(bytes);
  const f = factsFromText(parser, relPath, text, maxBytes);
  if (replaced) f.notes.push("not valid UTF-8: decoded with replacement characters");
  return f;
}
