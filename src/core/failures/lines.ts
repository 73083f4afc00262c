import { TextDecoder } from "node:util";

// Turns chunks (strings or bytes, split anywhere, possibly invalid UTF-8) into clean lines:
// bounded line length, and CI decorations removed (ANSI colours, timestamps, xdist worker ids).

export interface LineSink {
  (line: string, cut: boolean): void;
}

export interface LineSplitter {
  push(chunk: string | Uint8Array): void;
  end(): void;
}

export function createLineSplitter(sink: LineSink, maxLine: number): LineSplitter {
  let decoder: TextDecoder | undefined;
  let carry = "";
  let cut = false; // the current line already exceeded maxLine

  function text(s: string): void {
    let start = 0;
    for (;;) {
      const nl = s.indexOf("\n", start);
      if (nl < 0) break;
      if (carry === "" && !cut) {
        sink(nl - start > maxLine ? s.slice(start, start + maxLine) : s.slice(start, nl), nl - start > maxLine);
      } else {
        const piece = s.slice(start, Math.min(nl, start + Math.max(0, maxLine - carry.length)));
        sink(carry + piece, cut || carry.length + (nl - start) > maxLine);
        carry = "";
        cut = false;
      }
      start = nl + 1;
    }
    if (start < s.length) {
      const room = maxLine - carry.length;
      if (s.length - start > room) {
        if (room > 0) carry += s.slice(start, start + room);
        cut = true;
      } else carry += s.slice(start);
    }
  }

  return {
    push(chunk) {
      if (typeof chunk === "string") {
        if (decoder) {
          const rest = decoder.decode(); // a dangling partial sequence becomes U+FFFD
          decoder = undefined;
          if (rest) text(rest);
        }
        text(chunk);
      } else {
        decoder ??= new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
        text(decoder.decode(chunk, { stream: true }));
      }
    },
    end() {
      if (decoder) {
        const rest = decoder.decode();
        decoder = undefined;
        if (rest) text(rest);
      }
      if (carry !== "" || cut) sink(carry, cut);
      carry = "";
      cut = false;
    },
  };
}

// eslint-disable-next-line no-control-regex
const ANSI_RE = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]/g;
const ISO_TS_RE = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)? ?/;
const BRACKET_TS_RE = /^\[(?:\d{4}-\d\d-\d\d[T ])?\d\d:\d\d:\d\d(?:[.,]\d+)?\] ?/;
const WORKER_RE = /^\[(gw\d+)\] ?/;

export interface CleanLine {
  text: string;
  worker: string; // "" when the line had no xdist worker id
}

/** Removes what CI and terminals add around pytest's own text. Cheap checks come first. */
export function cleanLine(raw: string, out: CleanLine): void {
  let s = raw;
  if (s.charCodeAt(s.length - 1) === 13) s = s.slice(0, -1);
  if (s.indexOf("\x1b") >= 0) s = s.replace(ANSI_RE, "");
  let c0 = s.charCodeAt(0);
  if (c0 >= 48 && c0 <= 57) {
    const m = ISO_TS_RE.exec(s);
    if (m) {
      s = s.slice(m[0].length);
      c0 = s.charCodeAt(0);
    }
  }
  if (c0 === 91 /* [ */) {
    const m = BRACKET_TS_RE.exec(s);
    if (m) {
      s = s.slice(m[0].length);
      c0 = s.charCodeAt(0);
    }
  }
  const cr = s.lastIndexOf("\r");
  if (cr >= 0) s = s.slice(cr + 1); // a terminal overwrote the line: keep what was left visible
  out.worker = "";
  if (s.charCodeAt(0) === 91 && s.startsWith("[gw")) {
    const m = WORKER_RE.exec(s);
    if (m) {
      out.worker = m[1] ?? "";
      s = s.slice(m[0].length);
    }
  }
  out.text = s;
}
