// Newline-delimited JSON from the plugin → typed Messages. Never throws: a bad line becomes a
// ProtocolError the caller reports, and the stream goes on.
import { StringDecoder } from "node:string_decoder";
import { PROTOCOL_VERSION, type Message } from "../protocol";

export interface ProtocolError {
  reason: string;
  line: string; // cut to 500 chars
}

export type Parsed = { ok: true; message: Message } | { ok: false; error: ProtocolError };

const MAX_LINE = 64 * 1024 * 1024;

/** Splits a byte stream into lines; keeps a partial last line until its "\n" arrives. */
export class LineSplitter {
  private readonly decoder = new StringDecoder("utf8");
  private pending = "";
  private dropping = false;

  constructor(private readonly onLine: (line: string) => void, private readonly onOverflow: (size: number) => void) {}

  push(chunk: Buffer | string): void {
    const text = typeof chunk === "string" ? chunk : this.decoder.write(chunk);
    let start = 0;
    for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
      const line = this.pending + text.slice(start, nl);
      this.pending = "";
      start = nl + 1;
      if (this.dropping) this.dropping = false;
      else if (line.trim() !== "") this.onLine(line);
    }
    if (this.dropping) return;
    this.pending += text.slice(start);
    if (this.pending.length > MAX_LINE) {
      this.onOverflow(this.pending.length);
      this.pending = "";
      this.dropping = true; // skip the rest of this line
    }
  }

  /** The stream ended: a last line without "\n" still counts. */
  end(): void {
    const rest = this.takeRest();
    if (rest.trim() !== "") this.onLine(rest);
  }

  /** The stream ended: its last line without "\n", for the caller to judge. */
  takeRest(): string {
    const rest = this.pending + this.decoder.end();
    this.pending = "";
    return this.dropping ? "" : rest;
  }
}

type Check = (m: Record<string, unknown>) => string | undefined;

const str = (k: string): Check => (m) => (typeof m[k] === "string" ? undefined : `"${k}" must be a string`);
const num = (k: string): Check => (m) => (typeof m[k] === "number" ? undefined : `"${k}" must be a number`);
const oneOf = (k: string, values: readonly string[]): Check => (m) =>
  values.includes(m[k] as string) ? undefined : `"${k}" must be one of ${values.join(", ")}`;

// Required fields only: optional ones are passed through as sent.
const CHECKS: Record<Message["type"], Check[]> = {
  hello: [num("pid"), str("python"), str("pytest"), str("rootdir")],
  collected: [str("nodeid"), oneOf("kind", ["file", "class", "function", "case"]), str("name"), str("file")],
  collect_error: [str("nodeid"), str("message"), str("longrepr")],
  collection_finished: [num("count")],
  started: [str("nodeid")],
  report: [str("nodeid"), oneOf("when", ["setup", "call", "teardown"]), oneOf("outcome", ["passed", "failed", "skipped"]), num("duration")],
  finished: [str("nodeid"), oneOf("outcome", ["passed", "failed", "errored", "skipped"]), num("duration")],
  provenance: [str("nodeid")],
  session_finished: [num("exitstatus")],
};

export function parseMessage(line: string): Parsed {
  const fail = (reason: string): Parsed => ({ ok: false, error: { reason, line: line.length > 500 ? line.slice(0, 500) + "…" : line } });
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    return fail(`not JSON: ${(e as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return fail("not a JSON object");
  const m = value as Record<string, unknown>;
  if (m["v"] !== PROTOCOL_VERSION) return fail(`protocol version ${String(m["v"])}, expected ${PROTOCOL_VERSION}`);
  const type = m["type"];
  if (typeof type !== "string" || !Object.prototype.hasOwnProperty.call(CHECKS, type)) return fail(`unknown message type ${JSON.stringify(type)}`);
  for (const check of CHECKS[type as Message["type"]]) {
    const problem = check(m);
    if (problem !== undefined) return fail(`${type}: ${problem}`);
  }
  return { ok: true, message: m as unknown as Message };
}
