// Streaming: any chunking gives the same failures; bounded state; fuzzing; 100 MB memory.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { generateLog, loadSamples, prng } from "../../../bench/parse-text-gen";
import { parseDbError } from "../../../src/core/failures/dbMessage";
import { parseJunitXml } from "../../../src/core/failures/junit";
import type { Failure } from "../../../src/core/failures/model";
import { createPytestTextParser, parsePytestText } from "../../../src/core/failures/text";
import { repoRoot } from "../../util";

const dir = path.join(repoRoot(), "test", "unit", "failures", "samples");
const sampleFiles = fs.readdirSync(dir).filter((n) => n.endsWith(".txt"));

function parseChunks(chunks: Iterable<string | Uint8Array>): Failure[] {
  const out: Failure[] = [];
  const p = createPytestTextParser((f) => out.push(f));
  for (const c of chunks) p.push(c);
  p.end();
  return out;
}

function* split(buf: Buffer, rnd: () => number, max: number): Generator<Buffer> {
  for (let i = 0; i < buf.length; ) {
    const n = 1 + Math.floor(rnd() * max);
    yield buf.subarray(i, i + n);
    i += n;
  }
}

describe("failures: streaming pytest text", () => {
  it("gives the same failures for random chunk splits of every sample (bytes and strings)", () => {
    const rnd = prng(7);
    for (const name of sampleFiles) {
      const buf = fs.readFileSync(path.join(dir, name));
      const whole = parsePytestText(buf.toString("utf8"));
      assert.ok(whole.length > 0, name);
      for (let k = 0; k < 5; k++) {
        assert.deepEqual(parseChunks(split(buf, rnd, 1 + Math.floor(rnd() * 4000))), whole, name);
      }
      const strings = [...split(buf, rnd, 300)].map((b) => b.toString("latin1") === b.toString("utf8") ? b.toString("utf8") : b);
      assert.deepEqual(parseChunks(strings), whole, name + " (mixed strings and bytes)");
    }
  });

  it("1-byte chunks, including multi-byte UTF-8 split inside a character", () => {
    const text = fs.readFileSync(path.join(dir, "modern-tb-long.txt"), "utf8").replace(/a@example\.com/g, "zoë@exämple.com");
    const buf = Buffer.from(text, "utf8");
    const whole = parsePytestText(text);
    const one = parseChunks(split(buf, () => 0, 1));
    assert.deepEqual(one, whole);
    const u = one.find((f) => f.nodeid.endsWith("test_unique_email"));
    assert.deepEqual(u?.db?.values, ["zoë@exämple.com"]);
  });

  it("decodes invalid UTF-8 with replacement characters", () => {
    const head = Buffer.from("=== FAILURES ===\n___ test_x ___\nE   sqlalchemy.exc.IntegrityError: (sqlite3.IntegrityError) UNIQUE constraint failed: t.");
    const bad = Buffer.from([0xff, 0xc3]);
    const tail = Buffer.from("\n\nt.py:3: IntegrityError\n=== short test summary info ===\nFAILED t.py::test_x - x\n=== 1 failed in 0.1s ===\n");
    const out = parseChunks([head, bad, tail]);
    assert.equal(out.length, 1);
    assert.deepEqual(out[0]?.db?.columns, ["\ufffd\ufffd"]);
    assert.equal(out[0]?.nodeid, "t.py::test_x");
  });

  it("caps a failure's text and marks it truncated; cuts giant lines", () => {
    const giant = "E   " + "x".repeat(3_000_000);
    const text = `=== FAILURES ===\n___ test_big ___\n${"    line\n".repeat(10)}${giant}\nt.py:1: ValueError\n=== 1 failed in 1s ===\n`;
    const out = parsePytestText(text, { maxFailureText: 100_000, maxLine: 500_000 });
    assert.equal(out.length, 1);
    assert.equal(out[0]?.truncated, true);
    assert.ok((out[0]?.text?.length ?? 0) <= 100_000);
    assert.ok((out[0]?.chain[0]?.message.length ?? 0) <= 100_000);
  });

  it("emits failures before the stream ends (verbose nodeids known)", () => {
    const text = fs.readFileSync(path.join(dir, "modern-v.txt"), "utf8");
    const cut = text.indexOf("short test summary info");
    const seen: Failure[] = [];
    const p = createPytestTextParser((f) => seen.push(f));
    p.push(text.slice(0, cut));
    assert.ok(seen.length >= 10, `got ${seen.length} before the summary`);
    p.push(text.slice(cut));
    p.end();
    assert.equal(seen.length, 12);
  });

  it("summary lines with ' - ' inside the parameter id", () => {
    const out = parsePytestText("=== short test summary info ===\nFAILED t.py::test_a[x - y] - sqlalchemy.exc.IntegrityError: (sqlite3.IntegrityError) UNIQUE constraint failed: t.a\n");
    assert.equal(out[0]?.nodeid, "t.py::test_a[x - y]");
    assert.equal(out[0]?.db?.kind, "unique");
  });
});

// ---- fuzzing ----

const MAX_TEXT = 64 * 1024;

function mutate(src: Buffer, rnd: () => number): Buffer {
  const start = Math.floor(rnd() * src.length);
  let b = Buffer.from(src.subarray(start, start + 1 + Math.floor(rnd() * 30_000)));
  const ops = Math.floor(rnd() * 6);
  for (let k = 0; k < ops; k++) {
    const op = Math.floor(rnd() * 7);
    const at = Math.floor(rnd() * (b.length + 1));
    if (op === 0) b = b.subarray(0, at); // truncation
    else if (op === 1) for (let j = 0; j < 20 && b.length > 0; j++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256); // byte flips
    else if (op === 2) b = Buffer.concat([b.subarray(0, at), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xe2, 0x82]), b.subarray(at)]); // invalid UTF-8
    else if (op === 3) b = Buffer.concat([b.subarray(0, at), Buffer.from("E   sqlalchemy.exc.IntegrityError: (psycopg2.errors.UniqueViolation) caf\u00e9 ", "latin1"), b.subarray(at)]); // latin-1 inside UTF-8
    else if (op === 4) b = Buffer.concat([b.subarray(0, at), Buffer.from(["\n___ t ___\n", "\n=== FAILURES ===\n", "\n=== short test summary info ===\nFAILED a::b - ", "\nE   ", "[SQL: ", "\nTraceback (most recent call last):\n", "(Background on this error at: https://sqlalche.me/e/20/"][Math.floor(rnd() * 7)] ?? ""), b.subarray(at)]);
    else if (op === 5) b = Buffer.concat([b.subarray(at), b.subarray(0, at)]); // rotate
    else b = Buffer.from(b.toString("utf8").replace(/\n/g, rnd() < 0.5 ? "\r\n" : "\n\x1b[31m"));
  }
  return b;
}

describe("failures: fuzz", function () {
  this.timeout(60_000);
  it("10,000+ generated and mutated inputs: no throw, bounded output", () => {
    const rnd = prng(20241124);
    const sources = fs.readdirSync(dir).filter((n) => /\.(txt|xml)$/.test(n)).map((n) => fs.readFileSync(path.join(dir, n)));
    const started = Date.now();
    let inputs = 0;
    let failures = 0;
    const check = (f: Failure): void => {
      failures++;
      assert.ok((f.text?.length ?? 0) <= MAX_TEXT);
      for (const l of f.chain) assert.ok(l.message.length <= MAX_TEXT + 4);
      assert.ok(f.frames.length <= 400);
      JSON.stringify(f); // plain data
    };
    for (let i = 0; i < 10_000; i++) {
      const src = sources[Math.floor(rnd() * sources.length)] ?? Buffer.alloc(0);
      const input = mutate(src, rnd);
      const p = createPytestTextParser(check, { maxFailureText: MAX_TEXT, maxLine: MAX_TEXT });
      for (const c of split(input, rnd, 1 + Math.floor(rnd() * 5000))) p.push(rnd() < 0.2 ? c.toString("utf8") : c);
      p.end();
      assert.equal(p.stats.internalErrors, 0);
      const s = input.toString("utf8");
      const head = s.indexOf("E   ");
      parseDbError("sqlalchemy.exc.IntegrityError", s.slice(Math.max(0, head), head + 3000), rnd() < 0.5);
      if (i % 10 === 0) parseJunitXml(s).forEach(check);
      inputs++;
    }
    // giant lines of 5 MB
    for (let g = 0; g < 3; g++) {
      const line = Buffer.alloc(5 * 1024 * 1024, g === 0 ? "E" : g === 1 ? "_" : "x");
      const p = createPytestTextParser(check, { maxFailureText: MAX_TEXT, maxLine: MAX_TEXT });
      p.push("=== FAILURES ===\n___ test_g ___\n");
      for (const c of split(line, rnd, 1 << 20)) p.push(c);
      p.push("\n=== 1 failed in 1s ===\n");
      p.end();
      assert.equal(parseDbError("sqlalchemy.exc.IntegrityError", line.toString("latin1")) === undefined, true);
      inputs++;
    }
    const ms = Date.now() - started;
    console.log(`      fuzz: ${inputs} streamed inputs (+ as many DB messages, ${inputs / 10 | 0} junit docs), ${failures} failures emitted, ${ms} ms`);
    assert.ok(inputs >= 10_000);
  });
});

describe("failures: memory", function () {
  this.timeout(120_000);
  it("streams 100 MB of generated output with bounded heap", () => {
    const samples = loadSamples(repoRoot());
    const gc = (globalThis as { gc?: () => void }).gc; // with node --expose-gc: live heap, not garbage
    gc?.();
    const before = process.memoryUsage();
    let peakHeap = before.heapUsed;
    let peakRss = before.rss;
    let bytes = 0;
    let count = 0;
    let chunks = 0;
    const p = createPytestTextParser(() => count++);
    for (const session of generateLog(samples, 100 * 1024 * 1024, 3)) {
      const buf = Buffer.from(session, "utf8");
      for (let i = 0; i < buf.length; i += 65536) {
        p.push(buf.subarray(i, i + 65536));
        if (++chunks % 64 === 0) {
          gc?.();
          const m = process.memoryUsage();
          peakHeap = Math.max(peakHeap, m.heapUsed);
          peakRss = Math.max(peakRss, m.rss);
        }
      }
      bytes += buf.length;
    }
    p.end();
    const mb = (n: number): string => (n / 1048576).toFixed(1);
    console.log(`      100 MB: ${mb(bytes)} MB, ${count} failures; heap ${mb(before.heapUsed)} → peak ${mb(peakHeap)} MB (+${mb(peakHeap - before.heapUsed)}), rss peak ${mb(peakRss)} MB (+${mb(peakRss - before.rss)})`);
    assert.ok(count > 1000);
    assert.ok(peakHeap - before.heapUsed < 64 * 1048576, "heap growth under 64 MB");
  });
});
