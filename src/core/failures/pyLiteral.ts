// Reads the Python repr of SQLAlchemy's parameters ("('a', 1, None)", "{'x': 2}") into the same
// JSON shape the plugin sends: tuples/lists → arrays, dicts → objects, None → null. Anything it
// does not know (datetime(...), Decimal('1'), SQLAlchemy's "... displaying 10 of 99 ..." notes)
// becomes its source text, so a value is never lost. Returns undefined when the text is not a
// literal at all.

const MAX_DEPTH = 32;

export function parsePyLiteral(text: string): unknown {
  const p = { s: text, i: 0 };
  try {
    const v = value(p, 0);
    skipWs(p);
    return p.i >= p.s.length && v !== NONE ? v : undefined;
  } catch {
    return undefined;
  }
}

const NONE = Symbol("none");
interface P {
  s: string;
  i: number;
}

function skipWs(p: P): void {
  while (p.i < p.s.length && /\s/.test(p.s.charAt(p.i))) p.i++;
}

function value(p: P, depth: number): unknown {
  skipWs(p);
  if (depth > MAX_DEPTH) throw new Error("deep");
  const c = p.s.charAt(p.i);
  if (c === "(" || c === "[") return seq(p, c === "(" ? ")" : "]", depth);
  if (c === "{") return dict(p, depth);
  if (c === "'" || c === '"') return str(p);
  if ((c === "b" || c === "u" || c === "r") && /['"]/.test(p.s.charAt(p.i + 1))) {
    p.i++;
    return str(p);
  }
  const num = /^-?(?:\d+\.?\d*(?:e[-+]?\d+)?|\.\d+)/i.exec(p.s.slice(p.i, p.i + 64));
  if (num && !/[\w.(]/.test(p.s.charAt(p.i + num[0].length))) {
    p.i += num[0].length;
    return Number(num[0]);
  }
  for (const [word, v] of [["None", null], ["True", true], ["False", false]] as const) {
    if (p.s.startsWith(word, p.i) && !/\w/.test(p.s.charAt(p.i + word.length))) {
      p.i += word.length;
      return v;
    }
  }
  return opaque(p);
}

/** Unknown text up to the next top-level "," or closing bracket, kept as its repr. */
function opaque(p: P): unknown {
  const start = p.i;
  let depth = 0;
  while (p.i < p.s.length) {
    const c = p.s.charAt(p.i);
    if (c === "'" || c === '"') {
      str(p);
      continue;
    }
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      if (depth === 0) break;
      depth--;
    } else if (c === "," && depth === 0) break;
    p.i++;
  }
  const text = p.s.slice(start, p.i).trim();
  return text === "" ? NONE : text;
}

function seq(p: P, close: string, depth: number): unknown[] {
  p.i++;
  const out: unknown[] = [];
  for (;;) {
    skipWs(p);
    if (p.i >= p.s.length) throw new Error("eof");
    if (p.s.charAt(p.i) === close) {
      p.i++;
      return out;
    }
    const v = value(p, depth + 1);
    if (v !== NONE) out.push(v);
    skipWs(p);
    const c = p.s.charAt(p.i);
    if (c === ",") p.i++;
    else if (c !== close) throw new Error("expected " + close);
  }
}

function dict(p: P, depth: number): Record<string, unknown> {
  p.i++;
  const out: Record<string, unknown> = {};
  for (;;) {
    skipWs(p);
    if (p.i >= p.s.length) throw new Error("eof");
    if (p.s.charAt(p.i) === "}") {
      p.i++;
      return out;
    }
    const k = value(p, depth + 1);
    skipWs(p);
    if (p.s.charAt(p.i) !== ":") throw new Error("expected :");
    p.i++;
    const v = value(p, depth + 1);
    out[String(k)] = v === NONE ? null : v;
    skipWs(p);
    const c = p.s.charAt(p.i);
    if (c === ",") p.i++;
    else if (c !== "}") throw new Error("expected }");
  }
}

const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", "0": "\0", "\\": "\\", "'": "'", '"': '"' };

function str(p: P): string {
  const q = p.s.charAt(p.i);
  p.i++;
  let out = "";
  while (p.i < p.s.length) {
    const c = p.s.charAt(p.i);
    if (c === q) {
      p.i++;
      return out;
    }
    if (c === "\\") {
      const n = p.s.charAt(p.i + 1);
      const hex = n === "x" ? 2 : n === "u" ? 4 : n === "U" ? 8 : 0;
      if (hex > 0) {
        const code = parseInt(p.s.slice(p.i + 2, p.i + 2 + hex), 16);
        out += Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : "\\" + n;
        p.i += 2 + hex;
      } else {
        out += ESCAPES[n] ?? "\\" + n;
        p.i += 2;
      }
      continue;
    }
    out += c;
    p.i++;
  }
  throw new Error("unterminated string");
}

/** A parameter value as the text a user would compare: strings as-is, None, True/False. */
export function valueText(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "bigint") return String(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
