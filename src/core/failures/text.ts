// Streaming reader of pytest's terminal output (any --tb style, -q/-v/-vv, xdist, CI logs).
// Fed chunks, it emits Failures as soon as each is complete and keeps only bounded state:
// one failure section being read (capped), failures waiting for their summary line (capped in
// number), and a bounded nodeid index from verbose progress lines.
import { driverFromFrames } from "./dbMessage";
import { dbFromChain } from "./plugin";
import { findUserFrame, type UserFrameOptions } from "./frames";
import { cleanLine, createLineSplitter, type CleanLine } from "./lines";
import type { Failure, Frame, Phase } from "./model";
import { LINE_BREAK_RE, SectionReader, splitExceptionText } from "./section";
import { verboseNodeid } from "./verbose";

export interface TextParserOptions extends UserFrameOptions {
  /** Folder relative paths in tracebacks are resolved against; default: pytest's "rootdir:" line. */
  rootdir?: string;
  /** Text kept per failure (report text, and exception messages); default 1 MB. */
  maxFailureText?: number;
  /** Longer lines are cut; default 256 KB. */
  maxLine?: number;
  /** Failures waiting for their summary line before the oldest is emitted under a guessed nodeid; default 10,000. */
  maxPending?: number;
  /** Text those waiting failures may hold in all; default 16 MB. */
  maxPendingText?: number;
}

export interface PytestTextParser {
  push(chunk: string | Uint8Array): void;
  /** Flushes everything still held. */
  end(): void;
  readonly stats: { lines: number; failures: number; internalErrors: number };
}

type Area = "head" | "failures" | "summary" | "other";

interface Section {
  headline: string;
  phase: Phase;
  skip: boolean; // collection errors: not a test
  reader: SectionReader;
  text: string[];
  textChars: number;
  truncated: boolean;
  worker: string;
}

interface Entry {
  status: "FAILED" | "ERROR";
  head: string;
  more: string[];
  chars: number;
}

interface Pending {
  headline: string;
  failure: Failure;
  chars: number;
}

const SECTION_RE = /^=+ (.*?) =+$/;
const HEADER_RE = /^_{3,} (.*?) _{3,}$/;
const STATUS_RE = /^(FAILED|ERROR|PASSED|SKIPPED|XFAIL|XPASS)(?: |$)/;
const CRASH_RE = /^(\S.*?):(\d+): (.+)$/;
const STATS_RE = /^(?:\d+ (?:failed|passed|errors?|skipped|xfailed|xpassed|warnings?|deselected|rerun)\b.* in [\d.]+s|no tests ran)/;
const MAX_INDEX = 50_000;

/** Rough size of what a failure holds, to bound what waits for its summary line. */
function sizeOf(f: Failure): number {
  let n = (f.text?.length ?? 0) + 64 * f.frames.length;
  for (const l of f.chain) n += l.message.length + 64;
  return n;
}

/** A multiset of keys, bounded: what was emitted early, so its summary line is not a second failure. */
class Tally {
  private readonly counts = new Map<string, number>();
  add(key: string): void {
    if (this.counts.size >= MAX_INDEX) this.counts.clear();
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  /** Removes one `key`; false when there is none. */
  take(key: string): boolean {
    const n = this.counts.get(key) ?? 0;
    if (n === 0) return false;
    if (n === 1) this.counts.delete(key);
    else this.counts.set(key, n - 1);
    return true;
  }
}

/** A copy of `s` that does not keep the chunk it was sliced from alive (V8 sliced strings). */
function detach(s: string): string {
  return s.length < 13 ? s : (" " + s).slice(1);
}

/** Failures outlive the chunks they were read from: copy their strings out of them. */
export function detachAll<T>(v: T, depth = 0): T {
  if (typeof v === "string") return detach(v) as T;
  if (depth > 8 || v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = detachAll(v[i], depth + 1);
    return v;
  }
  const o = v as Record<string, unknown>;
  // "text" is built by join() of many lines, so already a fresh string (see endSection)
  for (const k of Object.keys(o)) if (k !== "text") o[k] = detachAll(o[k], depth + 1);
  return v;
}

export function createPytestTextParser(onFailure: (f: Failure) => void, opts: TextParserOptions = {}): PytestTextParser {
  const maxText = opts.maxFailureText ?? 1 << 20;
  const maxPending = opts.maxPending ?? 10_000;
  const maxPendingText = opts.maxPendingText ?? 16 << 20;
  let rootdir = opts.rootdir;
  let area: Area = "head";
  let section: Section | undefined;
  let entry: Entry | undefined;
  let pending: Pending[] = [];
  let pendingChars = 0;
  let anon: Failure[] = []; // --tb=line crash lines: no test name until the summary
  let anonChars = 0;
  // Emitted before their summary line came (over the bounds above): that line must not add them again.
  const early = new Tally(); // headline|call, headline|setup, headline|teardown
  let earlyAnon: (string | undefined)[] = []; // first message lines, oldest first; undefined once matched
  let earlyHead = 0;
  const verbose = new Map<string, { nodeid: string; worker: string; ambiguous: boolean }>();
  const emitted = new Set<string>(); // nodeid|phase already sent
  const stats = { lines: 0, failures: 0, internalErrors: 0 };
  const cl: CleanLine = { text: "", worker: "" };

  function emit(f: Failure): void {
    if (!f.nodeidGuessed) {
      if (emitted.size >= MAX_INDEX) emitted.clear();
      emitted.add(f.nodeid + "|" + f.phase);
    }
    stats.failures++;
    try {
      onFailure(f);
    } catch {
      stats.internalErrors++; // a throwing consumer must not break the stream
    }
  }

  function finish(f: Failure): Failure {
    if (f.db) driverFromFrames(f.db, f.frames);
    const u = findUserFrame(f.frames, opts);
    if (u) f.userFrame = u;
    return f;
  }

  // ---- failure sections ----
  function startSection(title: string, worker: string): void {
    endSection();
    let phase: Phase = "call";
    let headline = title;
    let skip = false;
    const m = /^ERROR at (setup|teardown) of (.+)$/.exec(title);
    if (m) {
      phase = m[1] === "setup" ? "setup" : "teardown";
      headline = m[2] ?? title;
    } else if (title.startsWith("ERROR collecting ") || title.startsWith("Error collecting ")) skip = true;
    section = { headline, phase, skip, reader: new SectionReader(maxText, rootdir), text: [], textChars: 0, truncated: false, worker };
  }

  function sectionLine(line: string, worker: string): void {
    const s = section;
    if (!s || s.skip) return;
    if (worker && !s.worker) s.worker = worker;
    s.reader.line(line);
    if (s.textChars + line.length + 1 <= maxText) {
      s.text.push(line);
      s.textChars += line.length + 1;
    } else s.truncated = true;
  }

  function endSection(): void {
    const s = section;
    section = undefined;
    if (!s || s.skip) return;
    const r = s.reader.finish();
    const truncated = s.truncated || r.truncated;
    const f: Failure = { nodeid: s.headline, phase: s.phase, chain: r.chain, frames: r.frames, source: "text", text: s.text.length === 1 ? detach(s.text[0] ?? "") : s.text.join("\n") };
    if (truncated) f.truncated = true;
    const db = dbFromChain(r.chain, truncated);
    if (db) f.db = db;
    const v = verbose.get(s.headline);
    if (s.worker) f.worker = s.worker;
    else if (v?.worker) f.worker = v.worker;
    detachAll(finish(f));
    if (v && !v.ambiguous) {
      f.nodeid = v.nodeid;
      if (!emitted.has(f.nodeid + "|" + f.phase)) emit(f);
      return;
    }
    f.nodeid = guessNodeid(s.headline, f.frames, rootdir);
    f.nodeidGuessed = true;
    const chars = sizeOf(f);
    pending.push({ headline: detach(s.headline), failure: f, chars });
    pendingChars += chars;
    while (pending.length > maxPending || (pendingChars > maxPendingText && pending.length > 1)) {
      const old = pending.shift();
      if (!old) break;
      pendingChars -= old.chars;
      early.add(old.headline + "|" + old.failure.phase);
      emit(old.failure);
    }
  }

  // ---- short test summary ----
  function endEntry(): void {
    const e = entry;
    entry = undefined;
    if (!e) return;
    const { nodeid, message } = splitSummary(e.head);
    if (!nodeid) return;
    const full = e.more.length > 0 ? message + "\n" + e.more.join("\n") : message;
    const truncated = e.more.length === 0 && message.endsWith("...");
    const headline = headlineOf(nodeid);
    let phase: Phase = "call";
    let at = -1;
    if (e.status === "ERROR") {
      at = pending.findIndex((p) => p.headline === headline && p.failure.phase !== "call");
      const found = pending[at];
      phase = found ? found.failure.phase : emitted.has(nodeid + "|teardown") && !emitted.has(nodeid + "|setup") ? "teardown" : "setup";
    } else at = pending.findIndex((p) => p.headline === headline && p.failure.phase === "call");
    const p = at >= 0 ? pending[at] : undefined;
    if (p) {
      pending.splice(at, 1);
      pendingChars -= p.chars;
      const f = p.failure;
      f.nodeid = detach(nodeid);
      delete f.nodeidGuessed;
      if (f.chain.length === 0 && message) {
        f.chain = detachAll([splitExceptionText(cutDots(full, truncated))]);
        const db = dbFromChain(f.chain, truncated);
        if (db) f.db = db;
      }
      emit(f);
      return;
    }
    if (emitted.has(nodeid + "|" + phase)) return; // the long section already said it all
    if (e.status === "FAILED" ? early.take(headline + "|call") : early.take(headline + "|setup") || early.take(headline + "|teardown")) return;
    const f: Failure = { nodeid, phase, chain: [], frames: [], source: "summary" };
    if (message) f.chain = [splitExceptionText(cutDots(full, truncated))];
    if (truncated) f.truncated = true;
    const db = dbFromChain(f.chain, truncated);
    if (db) f.db = db;
    // a --tb=line crash line for the same error gives the location
    const ai = anon.findIndex((a) => sameMessage(a.chain[0]?.message ?? "", f.chain[0]?.message ?? ""));
    const crash = ai >= 0 ? anon[ai] : undefined;
    if (!crash && tookEarlyAnon(f.chain[0]?.message ?? "")) return;
    if (crash) {
      anon.splice(ai, 1);
      anonChars -= crash.chain[0]?.message.length ?? 0;
      f.frames = crash.frames;
      if (!truncated || !crash.truncated) {
        const long = (crash.chain[0]?.message.length ?? 0) > (f.chain[0]?.message.length ?? 0);
        if (long || truncated) {
          f.chain = crash.chain;
          const db2 = dbFromChain(crash.chain, false);
          if (db2) f.db = db2;
          delete f.truncated;
        }
      }
    }
    emit(detachAll(finish(f)));
  }

  /** Summary lines come in the order of the crash lines: an early one is among the oldest. */
  function tookEarlyAnon(message: string): boolean {
    for (let i = earlyHead, seen = 0; i < earlyAnon.length && seen < 8; i++) {
      const m = earlyAnon[i];
      if (m === undefined) continue;
      seen++;
      if (!sameMessage(m, message)) continue;
      earlyAnon[i] = undefined;
      while (earlyHead < earlyAnon.length && earlyAnon[earlyHead] === undefined) earlyHead++;
      return true;
    }
    return false;
  }

  function flushWaiting(): void {
    endSection();
    endEntry();
    for (const p of pending) emit(p.failure);
    pending = [];
    pendingChars = 0;
    for (const a of anon) emit(a);
    anon = [];
    anonChars = 0;
    earlyAnon = [];
    earlyHead = 0;
  }

  function crashLine(line: string): void {
    const m = LINE_BREAK_RE.test(line) ? null : CRASH_RE.exec(line); // see LINE_BREAK_RE
    if (!m || !/\.pyw?$|^<.+>$|[\\/]/.test(m[1] ?? "") || /\s=\s/.test(m[1] ?? "")) return;
    const link = splitExceptionText(m[3] ?? "");
    const frames: Frame[] = [{ file: m[1] ?? "", line: Math.max(0, Number(m[2]) - 1), function: "" }];
    const f: Failure = { nodeid: m[1] + ":" + m[2], nodeidGuessed: true, phase: "call", chain: [link], frames, source: "text" };
    const db = dbFromChain(f.chain);
    if (db) f.db = db;
    anon.push(detachAll(finish(f)));
    anonChars += link.message.length;
    while (anon.length > maxPending || (anonChars > maxPendingText && anon.length > 1)) {
      const old = anon.shift();
      if (!old) break;
      const m = old.chain[0]?.message ?? "";
      anonChars -= m.length;
      if (earlyAnon.length - earlyHead >= MAX_INDEX) earlyHead = earlyAnon.length - MAX_INDEX / 2;
      if (earlyHead > MAX_INDEX) {
        earlyAnon = earlyAnon.slice(earlyHead);
        earlyHead = 0;
      }
      earlyAnon.push(m.split("\n", 1)[0] ?? "");
      emit(old);
    }
  }

  function verboseLine(line: string, worker: string): void {
    const nodeid = verboseNodeid(line);
    if (!nodeid) return;
    const headline = detach(headlineOf(nodeid));
    const had = verbose.get(headline);
    if (verbose.size >= MAX_INDEX) verbose.clear();
    verbose.set(headline, { nodeid: detach(nodeid), worker: detach(worker), ambiguous: had !== undefined && had.nodeid !== nodeid });
  }

  function onLine(raw: string, cut: boolean): void {
    stats.lines++;
    try {
      cleanLine(raw, cl);
      const line = cl.text;
      const c0 = line.charCodeAt(0);
      if (c0 === 61 /* = */) {
        const m = SECTION_RE.exec(line);
        if (m || /^=+$/.test(line)) {
          const title = (m?.[1] ?? "").trim();
          endSection();
          endEntry();
          const was = area;
          if (title === "FAILURES" || title === "ERRORS") area = "failures";
          else if (title === "short test summary info") area = "summary";
          else if (title === "test session starts") area = "head";
          else area = "other";
          if (was === "summary" && area !== "summary") flushWaiting();
          return;
        }
      }
      switch (area) {
        case "head":
          if (!rootdir && c0 === 114 && line.startsWith("rootdir: ")) rootdir = detach(line.slice(9).split(",")[0]?.trim() ?? "");
          else if (line.indexOf("::") > 0 && (line.indexOf("FAILED") >= 0 || line.indexOf("ERROR") >= 0)) verboseLine(line, cl.worker);
          return;
        case "failures":
          if (c0 === 95 /* _ */ && line.charCodeAt(1) === 95) {
            const h = HEADER_RE.exec(line);
            if (h) {
              startSection(h[1] ?? "", cl.worker);
              return;
            }
          }
          if (section) sectionLine(cut ? line + " [line cut]" : line, cl.worker);
          else crashLine(line);
          return;
        case "summary": {
          const st = c0 >= 65 && c0 <= 90 ? STATUS_RE.exec(line) : null;
          if (!st && STATS_RE.test(line)) {
            endEntry(); // -q prints the totals without "=" around them
            area = "other";
            flushWaiting();
            return;
          }
          if (st) {
            endEntry();
            if (st[1] === "FAILED" || st[1] === "ERROR") entry = { status: st[1], head: line.slice(st[1].length + 1), more: [], chars: line.length };
          } else if (entry) {
            if (entry.chars + line.length < maxText) {
              entry.more.push(line);
              entry.chars += line.length + 1;
            }
          }
          return;
        }
        default:
          return;
      }
    } catch {
      stats.internalErrors++;
      section = undefined;
      entry = undefined;
    }
  }

  const splitter = createLineSplitter(onLine, opts.maxLine ?? 256 * 1024);
  return {
    stats,
    push(chunk) {
      try {
        splitter.push(chunk);
      } catch {
        stats.internalErrors++;
      }
    },
    end() {
      try {
        splitter.end();
        flushWaiting();
      } catch {
        stats.internalErrors++;
      }
    },
  };
}

/** Convenience: all failures of a complete output. */
export function parsePytestText(text: string | Uint8Array, opts: TextParserOptions = {}): Failure[] {
  const out: Failure[] = [];
  const p = createPytestTextParser((f) => out.push(f), opts);
  p.push(text);
  p.end();
  return out;
}

/** pytest's section title for a nodeid: "tests/t.py::TestC::test_y[1]" → "TestC.test_y[1]". */
export function headlineOf(nodeid: string): string {
  const at = nodeid.indexOf("::");
  if (at < 0) return nodeid;
  const rest = nodeid.slice(at + 2);
  const br = rest.indexOf("[");
  return br < 0 ? rest.split("::").join(".") : rest.slice(0, br).split("::").join(".") + rest.slice(br);
}

/** "nodeid - message": the nodeid may hold " - " inside its [params]. */
export function splitSummary(s: string): { nodeid: string; message: string } {
  let from = 0;
  for (;;) {
    const i = s.indexOf(" - ", from);
    if (i < 0) return { nodeid: s.trim(), message: "" };
    const left = s.slice(0, i);
    const open = left.indexOf("[");
    if (open >= 0 && left.lastIndexOf("]") < open && s.indexOf("]", i) >= 0) {
      from = s.indexOf("]", i);
      continue;
    }
    return { nodeid: left.trim(), message: s.slice(i + 3) };
  }
}

function cutDots(s: string, truncated: boolean): string {
  return truncated ? s.slice(0, -3) : s;
}

function sameMessage(a: string, b: string): boolean {
  if (!a || !b) return false;
  const x = a.split("\n", 1)[0] ?? "";
  const y = b.split("\n", 1)[0] ?? "";
  return x.startsWith(y) || y.startsWith(x);
}

function guessNodeid(headline: string, frames: readonly Frame[], rootdir: string | undefined): string {
  const br = headline.indexOf("[");
  const name = br < 0 ? headline : headline.slice(0, br);
  const fn = name.slice(name.lastIndexOf(".") + 1);
  const frame = frames.find((f) => f.function === fn);
  if (!frame) return headline;
  let file = frame.file;
  if (rootdir && file.startsWith(rootdir.replace(/[\\/]+$/, "") + "/")) file = file.slice(rootdir.replace(/[\\/]+$/, "").length + 1);
  return file + "::" + name.split(".").join("::") + (br < 0 ? "" : headline.slice(br));
}
