// Failures from saved pytest output: junit XML, or terminal text (a CI log) read in a stream so
// hundreds of MB are never held whole. Shared by the CLI and the "Diagnose pytest output" command.
import * as fs from "node:fs";
import { parseJunitXml } from "./junit";
import type { Failure } from "./model";
import { createPytestTextParser, type TextParserOptions } from "./text";

const JUNIT_START = /^\s*(<\?xml|<testsuites?\b)/;

/** From text in memory (the clipboard, say): junit XML when it looks like it, else pytest text. */
export function failuresFromText(text: string, opts: TextParserOptions = {}): Failure[] {
  if (JUNIT_START.test(text)) return parseJunitXml(text, opts);
  const failures: Failure[] = [];
  const parser = createPytestTextParser((f) => failures.push(f), opts);
  parser.push(text);
  parser.end();
  return failures;
}

/** From a stream of pytest text (a file, standard input). */
export async function failuresFromStream(input: AsyncIterable<string | Uint8Array>, opts: TextParserOptions = {}): Promise<Failure[]> {
  const failures: Failure[] = [];
  const parser = createPytestTextParser((f) => failures.push(f), opts);
  for await (const chunk of input) parser.push(chunk);
  parser.end();
  return failures;
}

/** From a file: `.xml` is junit, anything else pytest text, streamed. */
export async function failuresFromFile(file: string, opts: TextParserOptions = {}): Promise<Failure[]> {
  if (file.endsWith(".xml")) return parseJunitXml(await fs.promises.readFile(file, "utf8"), opts);
  return failuresFromStream(fs.createReadStream(file), opts);
}
