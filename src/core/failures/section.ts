// Reads one failure's report text (pytest's longrepr: --tb=long/auto/short/native, or the
// compact "E   ..." form of --tb=line/no) line by line into its exception chain and frames.
// Incremental so a huge report never has to be held: only the parsed parts are kept, each capped.
import type { ChainLink, Frame } from "./model";

const MAX_FRAMES = 400;

interface Block {
  frames: Frame[];
  message: string[];
  messageChars: number;
  type?: string; // from a "path:N: ExcType" location line
  head?: string; // the native traceback's exception line(s) are in message
}

export interface SectionResult {
  chain: ChainLink[];
  frames: Frame[];
  truncated: boolean;
}

const CHAIN_SEPARATORS = new Set([
  "The above exception was the direct cause of the following exception:",
  "During handling of the above exception, another exception occurred:",
]);
const LOCATION_RE = /^(\S.*?):(\d+):(?: (.*))?$/;
const NATIVE_FRAME_RE = /^\s*File "(.*)", line (\d+)(?:, in (.*))?$/;
// Line breaks other than "\n" defeat "." at the end of a line: checked first, since the lazy
// LOCATION_RE then retried every ":" of a long line (quadratic).
export const LINE_BREAK_RE = /[\n\r\u2028\u2029]/;

/** A file path: "x.py", "<string>", or a slash and no "=" (one regex for that was quadratic). */
function pathish(s: string): boolean {
  return /\.pyw?$|^<[\w.\- ]+>$/.test(s) || (s.indexOf("=") < 0 && /[\\/]/.test(s));
}
const DEF_RE = /^[\s>]*(?:async\s+)?def\s+(\w+)\s*\(/;
const EXC_HEAD_RE = /^((?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*)(?::(?: (.*))?)?$/;

export class SectionReader {
  private blocks: Block[] = [];
  private cur: Block = newBlock();
  private eIndent = -1; // width of the "E   " prefix of the current message run
  private inMessage = false; // after an E line: 4-space lines continue it (compact form)
  private native = false;
  private nativeExc = false; // inside a native traceback's exception text
  private lastDef: string | undefined;
  private stopped = false; // after a "Captured ..." subsection
  truncated = false;

  constructor(private readonly maxChars: number, private readonly rootdir?: string) {}

  line(line: string): void {
    if (this.stopped) return;
    const c0 = line.charCodeAt(0);
    // "E   message" lines
    if (c0 === 69 /* E */ && (line.length === 1 || line.charCodeAt(1) === 32)) {
      if (!this.inMessage || this.eIndent < 0) {
        let i = 1;
        while (i < line.length && line.charCodeAt(i) === 32) i++;
        this.eIndent = i;
        if (this.cur.message.length > 0 && !this.inMessage) this.addMessage(""); // a second E run
      }
      let body = line;
      let k = 1;
      while (k < this.eIndent && k < body.length && body.charCodeAt(k) === 32) k++;
      body = body.slice(k);
      this.addMessage(body);
      this.inMessage = true;
      return;
    }
    if (this.inMessage && line.startsWith("    ") && this.eIndent >= 0) {
      this.addMessage(line.slice(4));
      return;
    }
    this.inMessage = false;
    if (line === "") {
      if (this.nativeExc) this.nativeExc = false;
      return;
    }
    if (c0 === 84 /* T */ || c0 === 68 /* D */) {
      if (CHAIN_SEPARATORS.has(line.trim())) {
        this.nextBlock();
        return;
      }
      if (line.startsWith("Traceback (most recent call last):")) {
        this.native = true;
        this.nativeExc = false;
        return;
      }
    }
    if (c0 === 45 /* - */ && /^-{3,} .* -{3,}$/.test(line)) {
      this.stopped = true; // captured stdout/log: not part of the traceback
      return;
    }
    if (this.native) {
      const nf = NATIVE_FRAME_RE.exec(line);
      if (nf) {
        this.nativeExc = false;
        this.addFrame(nf[1] ?? "", Number(nf[2]), nf[3] ?? "");
        return;
      }
      if (c0 === 32) {
        if (this.nativeExc) this.addMessage(line);
        return; // source line or ^^^ markers
      }
      if (!this.nativeExc && this.cur.message.length > 0) this.addMessage("");
      this.nativeExc = true;
      this.addMessage(line);
      return;
    }
    if (c0 === 32 || c0 === 62 /* > */) {
      const d = DEF_RE.exec(line);
      if (d) this.lastDef = d[1];
      return;
    }
    if (c0 === 95 /* _ */ && line.startsWith("_ _ ")) {
      this.lastDef = undefined;
      return;
    }
    const loc = LINE_BREAK_RE.test(line) ? null : LOCATION_RE.exec(line);
    if (loc && pathish(loc[1] ?? "")) {
      const file = loc[1] ?? "";
      const n = Number(loc[2]);
      const msg = loc[3] ?? "";
      if (msg.startsWith("in ")) this.addFrame(file, n, msg.slice(3)); // short entry: before its source
      else {
        this.addFrame(file, n, this.lastDef ?? "");
        if (msg !== "" && EXC_HEAD_RE.test(msg)) this.cur.type = msg;
      }
      this.lastDef = undefined;
    }
  }

  finish(): SectionResult {
    this.nextBlock();
    const chain: ChainLink[] = [];
    for (let i = this.blocks.length - 1; i >= 0; i--) {
      const link = toLink(this.blocks[i]);
      if (link) chain.push(link);
    }
    // the outermost exception's traceback is the one that reaches the test
    let frames: Frame[] = [];
    for (let i = this.blocks.length - 1; i >= 0; i--) {
      const b = this.blocks[i];
      if (b && (b.frames.length > 0 || b.message.length > 0)) {
        frames = b.frames;
        break;
      }
    }
    return { chain, frames, truncated: this.truncated };
  }

  private nextBlock(): void {
    if (this.cur.frames.length > 0 || this.cur.message.length > 0) this.blocks.push(this.cur);
    if (this.blocks.length > 50) this.blocks.splice(1, 1); // bounded: keep the first and the last ones
    this.cur = newBlock();
    this.native = false;
    this.nativeExc = false;
    this.eIndent = -1;
    this.lastDef = undefined;
  }

  private addMessage(text: string): void {
    const b = this.cur;
    if (b.messageChars + text.length + 1 > this.maxChars) {
      this.truncated = true;
      const room = this.maxChars - b.messageChars - 1;
      if (room > 0) {
        b.message.push(text.slice(0, room));
        b.messageChars += room + 1;
      }
      return;
    }
    b.message.push(text);
    b.messageChars += text.length + 1;
  }

  private addFrame(file: string, line1: number, fn: string): void {
    const f = this.frames();
    if (f.length >= MAX_FRAMES) f.splice(MAX_FRAMES / 2, 1); // keep the outer and the inner ends
    f.push({ file: this.resolve(file), line: Math.max(0, line1 - 1), function: fn });
  }

  private frames(): Frame[] {
    return this.cur.frames;
  }

  private resolve(file: string): string {
    if (!this.rootdir || file.startsWith("/") || /^[A-Za-z]:[\\/]/.test(file) || file.startsWith("<")) return file;
    const sep = this.rootdir.includes("\\") && !this.rootdir.includes("/") ? "\\" : "/";
    return this.rootdir.replace(/[\\/]+$/, "") + sep + file;
  }
}

function newBlock(): Block {
  return { frames: [], message: [], messageChars: 0 };
}

/** "pkg.mod.Type: message" → link; assertion text without a type uses the location line's. */
export function splitExceptionText(text: string, fallbackType?: string): ChainLink {
  const nl = text.indexOf("\n");
  const first = nl >= 0 ? text.slice(0, nl) : text;
  const rest = nl >= 0 ? text.slice(nl + 1) : "";
  const colon = first.indexOf(":");
  const typePart = colon >= 0 ? first.slice(0, colon) : first;
  if (typePart.length > 0 && typePart.length < 200 && EXC_HEAD_RE.test(typePart) && looksLikeType(typePart, fallbackType)) {
    let msg = colon >= 0 ? first.slice(colon + 1) : "";
    if (msg.startsWith(" ")) msg = msg.slice(1);
    return { type: typePart, message: rest ? msg + "\n" + rest : msg };
  }
  return { type: fallbackType ?? (first.startsWith("assert ") ? "AssertionError" : "Exception"), message: text };
}

function looksLikeType(name: string, fallback: string | undefined): boolean {
  const last = name.slice(name.lastIndexOf(".") + 1);
  if (fallback && (fallback === name || fallback === last)) return true;
  return /^[A-Z]/.test(last) || /(?:Error|Exception|Warning|Exit|Interrupt)$/.test(last);
}

function toLink(b: Block | undefined): ChainLink | undefined {
  if (!b) return undefined;
  while (b.message.length > 0 && b.message[b.message.length - 1] === "") b.message.pop();
  if (b.message.length === 0) return b.type ? { type: b.type, message: "" } : undefined;
  return splitExceptionText(b.message.join("\n"), b.type);
}
