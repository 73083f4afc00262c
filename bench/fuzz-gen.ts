// Hostile inputs for the failure readers, made from the real samples (pytest text and junit XML
// of the example projects): byte flips, duplicated, cut and spliced chunks, long runs of "<",
// "::", "FAILED", entities and tags, huge lines. Shared by the fuzz test and bench/fuzz.ts.
import * as fs from "node:fs";
import * as path from "node:path";
import { prng, sampleDir } from "./parse-text-gen";

export { prng };

export function loadFuzzSources(root: string): Buffer[] {
  const dir = sampleDir(root);
  return fs.readdirSync(dir).filter((n) => /\.(txt|xml)$/.test(n)).sort().map((n) => fs.readFileSync(path.join(dir, n)));
}

const RUNS = ["<", "< ", "::", " FAILED", "FAILED ", "a::b FAILED ", "&", "&#", "<a>", "</b>", "<testcase ", '<failure message="', "]]>", "<![CDATA[", "<!--", " ", "x=\"", "_", "= ", "a.py:1: ", "\u2028", "a/"];

function run(rnd: () => number): Buffer {
  const unit = RUNS[Math.floor(rnd() * RUNS.length)] ?? "<";
  const n = 1 + Math.floor(rnd() * (rnd() < 0.3 ? 100_000 : 2_000));
  return Buffer.from(unit.repeat(Math.max(1, Math.floor(n / unit.length))));
}

/** One hostile line: a verbose-looking line of up to 300 KB. */
function hugeLine(rnd: () => number): Buffer {
  const unit = ["t.py::test_a ", "::", "FAILED ", " ERROR", "x", "[ 50%] "][Math.floor(rnd() * 6)] ?? "x";
  const n = 50_000 + Math.floor(rnd() * 250_000);
  return Buffer.from("\n" + unit.repeat(Math.ceil(n / unit.length)) + (rnd() < 0.5 ? " FAILED" : "") + "\n");
}

/** A mutation of one source, sometimes spliced with another. */
export function mutate(sources: readonly Buffer[], rnd: () => number): Buffer {
  const pick = (): Buffer => sources[Math.floor(rnd() * sources.length)] ?? Buffer.alloc(0);
  let b = Buffer.from(pick());
  const ops = 1 + Math.floor(rnd() * 5);
  for (let k = 0; k < ops; k++) {
    const at = Math.floor(rnd() * (b.length + 1));
    const op = Math.floor(rnd() * 8);
    if (op === 0) for (let j = 0; j < 1 + rnd() * 40 && b.length > 0; j++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
    else if (op === 1) {
      const from = Math.floor(rnd() * b.length);
      const piece = b.subarray(from, from + Math.floor(rnd() * 20_000));
      b = Buffer.concat([b.subarray(0, at), piece, piece, b.subarray(at)]); // duplicated chunk
    } else if (op === 2) b = rnd() < 0.5 ? b.subarray(0, at) : b.subarray(at); // truncated
    else if (op === 3) {
      const other = pick();
      const from = Math.floor(rnd() * other.length);
      b = Buffer.concat([b.subarray(0, at), other.subarray(from, from + Math.floor(rnd() * 40_000)), b.subarray(at)]); // spliced
    } else if (op === 4 || op === 5) b = Buffer.concat([b.subarray(0, at), run(rnd), b.subarray(at)]);
    else if (op === 6) b = Buffer.concat([b.subarray(0, at), hugeLine(rnd), b.subarray(at)]);
    else b = Buffer.from(b.toString("latin1").replace(/\n/g, rnd() < 0.5 ? " " : "\r"), "latin1"); // one long line
  }
  return b;
}

/** A large junit report: the samples' test cases, renamed, inside one <testsuite>, until `total` bytes. */
export function* generateJunit(root: string, total: number, seed = 1): Generator<string> {
  const rnd = prng(seed);
  const dir = sampleDir(root);
  const cases = fs.readdirSync(dir).filter((n) => n.endsWith(".xml")).flatMap((n) => fs.readFileSync(path.join(dir, n), "utf8").match(/<testcase\b[\s\S]*?(?:\/>|<\/testcase>)/g) ?? []);
  yield '<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest">';
  for (let produced = 0, n = 0; produced < total; n++) {
    const c = (cases[Math.floor(rnd() * cases.length)] ?? "").replace(/name="(test_\w+)/, `name="$1_r${n}`);
    produced += c.length;
    yield c;
  }
  yield "</testsuite></testsuites>";
}
