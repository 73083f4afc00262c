// Failures from pytest's --junitxml report (xunit1 with file/line, or the default xunit2).
import { findUserFrame, type UserFrameOptions } from "./frames";
import type { Failure, Phase } from "./model";
import { driverFromFrames } from "./dbMessage";
import { dbFromChain } from "./plugin";
import { SectionReader, splitExceptionText } from "./section";
import { detachAll } from "./text";
import { createXmlReader } from "./xml";

export interface JunitOptions extends UserFrameOptions {
  rootdir?: string;
  maxFailureText?: number;
}

export interface JunitParser {
  push(chunk: string | Uint8Array): void;
  end(): void;
  readonly stats: { failures: number; internalErrors: number; xmlErrors: number };
}

interface Open {
  kind: string;
  message: string;
  depth: number;
  text: string[];
  chars: number;
  cut: boolean;
}

/** Streams a junit report: each <failure>/<error> of a <testcase> is emitted when it closes, so
 *  only the one being read is held (its text capped at maxFailureText). */
export function createJunitParser(onFailure: (f: Failure) => void, opts: JunitOptions = {}): JunitParser {
  const max = opts.maxFailureText ?? 1 << 20;
  const stats = { failures: 0, internalErrors: 0, xmlErrors: 0 };
  let depth = 0;
  let testcase: { attrs: Record<string, string>; depth: number } | undefined;
  let body: Open | undefined;

  function emitBody(): void {
    const b = body;
    body = undefined;
    if (!b || !testcase) return;
    try {
      const f = fromElement(testcase.attrs, b.kind, b.message, b.text.join(""), b.cut, opts);
      if (!f) return;
      stats.failures++;
      onFailure(detachAll(f));
    } catch {
      stats.internalErrors++; // a bad element or a throwing consumer must not stop the stream
    }
  }

  const xml = createXmlReader({
    open(name, attrs) {
      depth++;
      if (name === "testcase") {
        emitBody();
        testcase = { attrs, depth };
      } else if (testcase && depth === testcase.depth + 1 && (name === "failure" || name === "error")) {
        emitBody();
        body = { kind: name, message: attrs["message"] ?? "", depth, text: [], chars: 0, cut: false };
      }
    },
    text(s) {
      const b = body;
      if (!b || depth !== b.depth) return;
      if (b.chars + s.length > max) {
        b.cut = true;
        s = s.slice(0, Math.max(0, max - b.chars));
      }
      b.text.push(s);
      b.chars += s.length;
    },
    close() {
      if (body && depth === body.depth) emitBody();
      if (testcase && depth === testcase.depth) testcase = undefined;
      depth--;
    },
  });

  return {
    get stats() {
      return { ...stats, xmlErrors: xml.stats.errors };
    },
    push(chunk) {
      xml.push(chunk);
    },
    end() {
      xml.end();
      emitBody(); // an unclosed element at the end: keep what was read
    },
  };
}

export function parseJunitXml(xml: string | Uint8Array, opts: JunitOptions = {}): Failure[] {
  const out: Failure[] = [];
  const p = createJunitParser((f) => out.push(f), opts);
  p.push(xml);
  p.end();
  return out;
}

function fromElement(tc: Record<string, string>, kind: string, rawMessage: string, text: string, cut: boolean, opts: JunitOptions): Failure | undefined {
  let phase: Phase = "call";
  let message = rawMessage;
  if (kind === "error") {
    const m = /^failed on (setup|teardown) with "([\s\S]*)"$/.exec(rawMessage);
    if (m) {
      phase = m[1] === "setup" ? "setup" : "teardown";
      message = m[2] ?? "";
    } else if (rawMessage === "collection failure") return undefined;
    else phase = "setup";
  }
  const nodeid = nodeidOf(tc);
  const reader = new SectionReader(opts.maxFailureText ?? 1 << 20, opts.rootdir);
  for (const line of text.split("\n")) reader.line(line.endsWith("\r") ? line.slice(0, -1) : line);
  const r = reader.finish();
  const chain = r.chain.length > 0 ? r.chain : message ? [splitExceptionText(message)] : [];
  const f: Failure = { nodeid: nodeid.id, phase, chain, frames: r.frames, source: "junit", text };
  if (nodeid.guessed) f.nodeidGuessed = true;
  if (r.truncated || cut) f.truncated = true;
  // the message attribute holds the whole exception text; prefer it when the body was cut
  const db = dbFromChain(chain, r.truncated) ?? (message ? dbFromChain([splitExceptionText(message)]) : undefined);
  if (db) {
    driverFromFrames(db, f.frames);
    f.db = db;
  }
  const u = findUserFrame(f.frames, opts);
  if (u) f.userFrame = u;
  return f;
}

/** classname "tests.test_a.TestC" + name "test_y[1]" (+ file in xunit1) → pytest nodeid. */
export function nodeidOf(tc: Record<string, string>): { id: string; guessed: boolean } {
  const classname = tc["classname"] ?? "";
  const name = tc["name"] ?? "";
  const file = tc["file"];
  const parts = classname.split(".").filter((p) => p !== "");
  if (file) {
    const mod = file.replace(/\\/g, "/").replace(/\.py$/, "").split("/");
    let k = 0;
    while (k < mod.length && k < parts.length && parts[k] === mod[k]) k++;
    const classes = parts.slice(k);
    return { id: [file.replace(/\\/g, "/"), ...classes, name].join("::"), guessed: k !== mod.length };
  }
  // xunit2: module path then classes; classes are the trailing capitalised parts
  let k = parts.length;
  while (k > 1 && /^[A-Z]/.test(parts[k - 1] ?? "")) k--;
  const modPath = parts.slice(0, k).join("/") + ".py";
  return { id: [modPath, ...parts.slice(k), name].join("::"), guessed: true };
}
