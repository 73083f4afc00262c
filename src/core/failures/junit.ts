// Failures from pytest's --junitxml report (xunit1 with file/line, or the default xunit2).
import { findUserFrame, type UserFrameOptions } from "./frames";
import type { Failure, Phase } from "./model";
import { dbFromChain } from "./plugin";
import { SectionReader, splitExceptionText } from "./section";
import { parseXml, walk } from "./xml";

export interface JunitOptions extends UserFrameOptions {
  rootdir?: string;
  maxFailureText?: number;
}

export function parseJunitXml(xml: string, opts: JunitOptions = {}): Failure[] {
  const out: Failure[] = [];
  try {
    for (const el of walk(parseXml(xml))) {
      if (el.name !== "testcase") continue;
      for (const child of el.children) {
        if (child.name !== "failure" && child.name !== "error") continue;
        const f = fromElement(el.attrs, child.name, child.attrs["message"] ?? "", child.text, opts);
        if (f) out.push(f);
      }
    }
  } catch {
    // keep what was read
  }
  return out;
}

function fromElement(tc: Record<string, string>, kind: string, rawMessage: string, body: string, opts: JunitOptions): Failure | undefined {
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
  const max = opts.maxFailureText ?? 1 << 20;
  const reader = new SectionReader(max, opts.rootdir);
  const text = body.length > max ? body.slice(0, max) : body;
  for (const line of text.split("\n")) reader.line(line.endsWith("\r") ? line.slice(0, -1) : line);
  const r = reader.finish();
  const chain = r.chain.length > 0 ? r.chain : message ? [splitExceptionText(message)] : [];
  const f: Failure = { nodeid: nodeid.id, phase, chain, frames: r.frames, source: "junit", text };
  if (nodeid.guessed) f.nodeidGuessed = true;
  if (r.truncated || text.length < body.length) f.truncated = true;
  // the message attribute holds the whole exception text; prefer it when the body was cut
  const db = dbFromChain(chain, r.truncated) ?? (message ? dbFromChain([splitExceptionText(message)]) : undefined);
  if (db) f.db = db;
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
