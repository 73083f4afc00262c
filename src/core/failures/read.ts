// Failures from saved pytest output: junit XML or terminal text (a CI log), told apart by the
// content (not the file name: standard input has none, and names may be `.XML` or `.log`) and
// read in a stream so hundreds of MB are never held whole. Shared by the CLI and the
// "Diagnose pytest output" command.
import * as fs from "node:fs";
import { TextDecoder } from "node:util";
import { createJunitParser, parseJunitXml } from "./junit";
import type { Failure } from "./model";
import { createPytestTextParser, type TextParserOptions } from "./text";

const JUNIT_START = /^\ufeff?\s*(?:<\?xml|<testsuites?[\s>/])/;
/** Enough of the start to decide; more than this of leading blanks is not junit anyway. */
const SNIFF_CHARS = 64 * 1024;

function looksLikeJunit(start: string): boolean {
  return JUNIT_START.test(start);
}

/** Whether `start` (the text so far) is enough to tell junit from text. */
function decided(start: string): boolean {
  const lead = start.length - start.replace(/^\ufeff?\s*/, "").length;
  return start.length - lead >= 12 || start.length >= SNIFF_CHARS;
}

/** From text in memory (the clipboard, say): junit XML when it looks like it, else pytest text. */
export function failuresFromText(text: string, opts: TextParserOptions = {}): Failure[] {
  if (looksLikeJunit(text.slice(0, SNIFF_CHARS))) return parseJunitXml(text, opts);
  const failures: Failure[] = [];
  const parser = createPytestTextParser((f) => failures.push(f), opts);
  parser.push(text);
  parser.end();
  return failures;
}

/** From a stream (a file, standard input) of junit XML or pytest text. */
export async function failuresFromStream(input: AsyncIterable<string | Uint8Array>, opts: TextParserOptions = {}): Promise<Failure[]> {
  const failures: Failure[] = [];
  const held: Array<string | Uint8Array> = [];
  const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
  let start = "";
  let parser: { push(c: string | Uint8Array): void; end(): void } | undefined;
  const choose = (): void => {
    const make = looksLikeJunit(start) ? createJunitParser : createPytestTextParser;
    const p = make((f) => failures.push(f), opts);
    for (const c of held) p.push(c);
    held.length = 0;
    parser = p;
  };
  for await (const chunk of input) {
    if (parser) {
      parser.push(chunk);
      continue;
    }
    held.push(chunk);
    start += typeof chunk === "string" ? chunk.slice(0, SNIFF_CHARS) : decoder.decode(chunk.subarray(0, SNIFF_CHARS), { stream: true });
    if (decided(start)) choose();
  }
  if (!parser) choose();
  parser?.end();
  return failures;
}

/** From a file, streamed. */
export async function failuresFromFile(file: string, opts: TextParserOptions = {}): Promise<Failure[]> {
  return failuresFromStream(fs.createReadStream(file), opts);
}
