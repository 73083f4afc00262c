// A forgiving streaming XML reader on saxes: chunks in (strings or bytes, split anywhere),
// element and text events out. Malformed input gives what could be read and never throws.
import { TextDecoder } from "node:util";
import { SaxesParser } from "saxes";

export interface XmlHandlers {
  open(name: string, attrs: Record<string, string>): void;
  close(): void;
  text(s: string): void;
}

export interface XmlReader {
  push(chunk: string | Uint8Array): void;
  end(): void;
  readonly stats: { errors: number };
}

// Only the five named entities and character references are kept as markup; any other "&"
// or a "<" that starts no tag is escaped, because saxes would read up to the next ";" as an
// entity name (losing the markup in between) or report an error per stray "<". CDATA sections
// and comments are passed through as they are.
const ENTITY = /&(?:#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|lt|gt|amp|quot|apos);/y;
const LONGEST_MARK = 12; // "&#x10FFFF;", "<![CDATA["

function isTagStart(c: number): boolean {
  return c === 47 || c === 33 || c === 63 || c === 95 || c === 58 || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c >= 0xc0;
}

interface Escaper {
  carry: string;
  /** The end of the CDATA section or comment being passed through, or "". */
  until: string;
}

/** Escapes stray "<" and "&" of `s`; what needs more input to decide is kept in e.carry. */
function escapeStray(e: Escaper, chunk: string, final: boolean): string {
  const s = e.carry + chunk;
  e.carry = "";
  let out = "";
  let from = 0;
  let i = 0;
  let lt = s.indexOf("<");
  let amp = s.indexOf("&");
  while (i < s.length) {
    if (e.until) {
      const end = s.indexOf(e.until, i);
      if (end < 0) {
        // keep a possible start of the terminator for the next chunk
        const keep = final ? s.length : Math.max(i, s.length - e.until.length + 1);
        e.carry = s.slice(keep);
        return out + s.slice(from, keep);
      }
      i = end + e.until.length;
      e.until = "";
    }
    // each search resumes where it stopped: searching again from every hit was quadratic
    if (lt >= 0 && lt < i) lt = s.indexOf("<", i);
    if (amp >= 0 && amp < i) amp = s.indexOf("&", i);
    i = lt < 0 ? amp : amp < 0 ? lt : Math.min(lt, amp);
    if (i < 0) break;
    if (s.length - i < LONGEST_MARK && !final) {
      e.carry = s.slice(i);
      return out + s.slice(from, i);
    }
    if (s.charCodeAt(i) === 60) {
      if (s.startsWith("<![CDATA[", i)) e.until = "]]>";
      else if (s.startsWith("<!--", i)) e.until = "-->";
      else if (!isTagStart(s.charCodeAt(i + 1))) {
        out += s.slice(from, i) + "&lt;";
        from = i + 1;
      }
    } else {
      ENTITY.lastIndex = i;
      if (!ENTITY.test(s)) {
        out += s.slice(from, i) + "&amp;";
        from = i + 1;
      }
    }
    i++;
  }
  return out + s.slice(from);
}

export function createXmlReader(h: XmlHandlers): XmlReader {
  const stats = { errors: 0 };
  const parser = new SaxesParser({ position: false });
  let decoder: TextDecoder | undefined;
  const escaper: Escaper = { carry: "", until: "" };
  let failed = false;
  parser.on("error", () => {
    stats.errors++;
  });
  parser.on("opentag", (t) => h.open(t.name, t.attributes as Record<string, string>));
  parser.on("closetag", () => h.close());
  parser.on("text", (t) => h.text(t));
  parser.on("cdata", (t) => h.text(t));

  function write(s: string, final: boolean): void {
    if (failed) return;
    const ready = escapeStray(escaper, s, final);
    // saxes builds an Error for each problem it reports: without stack traces that stays cheap
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      if (ready) parser.write(ready);
      if (final) parser.close();
    } catch {
      failed = true; // a throwing handler: keep what was read
    } finally {
      Error.stackTraceLimit = limit;
    }
  }

  return {
    stats,
    push(chunk) {
      if (typeof chunk === "string") {
        if (decoder) write(decoder.decode(), false);
        decoder = undefined;
        write(chunk, false);
      } else {
        decoder ??= new TextDecoder("utf-8", { fatal: false });
        write(decoder.decode(chunk, { stream: true }), false);
      }
    },
    end() {
      write(decoder ? decoder.decode() : "", true);
      decoder = undefined;
    },
  };
}
