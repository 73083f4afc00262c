// Benchmark: worst-case CPU time per MB of the failure readers over a fuzz corpus (mutated real
// samples, see fuzz-gen.ts), and MB/s of the text and junit readers on large generated input.
// Run: node --expose-gc out/bench/fuzz.js [inputs] [MB]
import * as fs from "node:fs";
import * as path from "node:path";
import { generateJunit, loadFuzzSources, mutate, prng } from "./fuzz-gen";
import { generateLog, loadSamples } from "./parse-text-gen";
import { groupFailures } from "../src/core/failures/group";
import { createJunitParser } from "../src/core/failures/junit";
import type { Failure } from "../src/core/failures/model";
import { createPytestTextParser } from "../src/core/failures/text";

function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, "package.json")) || path.basename(dir) === "out") dir = path.dirname(dir);
  return dir;
}

const inputs = Number(process.argv[2] ?? 2000);
const totalMb = Number(process.argv[3] ?? 100);
const root = repoRoot();

function cpuMs(fn: () => void): number {
  const c = process.cpuUsage();
  fn();
  const d = process.cpuUsage(c);
  return (d.user + d.system) / 1000;
}

type Reader = (onFailure: (f: Failure) => void) => { push(c: Uint8Array): void; end(): void };
const READERS: Record<string, Reader> = {
  text: (on) => createPytestTextParser(on, { maxFailureText: 64 * 1024, maxLine: 512 * 1024 }),
  junit: (on) => createJunitParser(on, { maxFailureText: 64 * 1024 }),
};

function readAll(make: Reader, chunks: readonly Uint8Array[]): Failure[] {
  const out: Failure[] = [];
  const p = make((f) => out.push(f));
  for (const c of chunks) p.push(c);
  p.end();
  return out;
}

function split(b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += 65536) out.push(b.subarray(i, i + 65536));
  return out;
}

// ---- fuzz corpus: worst case ----
const rnd = prng(424242);
const sources = loadFuzzSources(root);
const worst: Record<string, Array<{ msPerMb: number; ms: number; kb: number; i: number }>> = { text: [], junit: [] };
let corpusBytes = 0;
for (const src of sources) for (const make of Object.values(READERS)) groupFailures(readAll(make, split(src))); // warm the JIT
const FLOOR = 64 * 1024; // per MB of tiny inputs is timer noise: count them as 64 KB
const t0 = Date.now();
for (let i = 0; i < inputs; i++) {
  const input = mutate(sources, rnd);
  corpusBytes += input.length;
  const chunks = split(input);
  for (const [name, make] of Object.entries(READERS)) {
    const ms = Math.min(cpuMs(() => groupFailures(readAll(make, chunks))), cpuMs(() => groupFailures(readAll(make, chunks))));
    const list = worst[name] ?? [];
    list.push({ msPerMb: (ms * 1048576) / Math.max(FLOOR, input.length), ms, kb: input.length / 1024, i });
    list.sort((a, b) => b.msPerMb - a.msPerMb);
    list.length = Math.min(list.length, 3);
  }
}
console.log(`fuzz: ${inputs} inputs, ${(corpusBytes / 1048576).toFixed(0)} MB, ${((Date.now() - t0) / 1000).toFixed(1)} s (each read twice, the faster counts; CPU time, inputs under 64 KB counted as 64 KB)`);
for (const [name, list] of Object.entries(worst)) {
  const w = list.map((x) => `${x.msPerMb.toFixed(0)} ms/MB (#${x.i}: ${x.ms.toFixed(1)} ms for ${x.kb.toFixed(0)} KB)`).join(", ");
  console.log(`  ${name}: worst ${w}`);
}

// ---- throughput on large generated input ----
function throughput(name: string, make: Reader, parts: Iterable<string>): void {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for (const s of parts) {
    const b = Buffer.from(s, "utf8");
    chunks.push(...split(b));
    bytes += b.length;
  }
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  let peak = heap0;
  let failures = 0;
  let n = 0;
  const t = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const p = make(() => failures++);
  for (const c of chunks) {
    p.push(c);
    if (gc && ++n % 256 === 0) {
      gc();
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
  }
  p.end();
  const secs = Number(process.hrtime.bigint() - t) / 1e9;
  const used = process.cpuUsage(cpu);
  const cpuSecs = (used.user + used.system) / 1e6; // the cores are shared: wall time varies with the load
  const mb = bytes / 1048576;
  const heap = gc ? `, live heap +${((peak - heap0) / 1048576).toFixed(1)} MB` : "";
  console.log(`${name}: ${mb.toFixed(0)} MB, ${failures} failures in ${secs.toFixed(2)} s = ${(mb / secs).toFixed(1)} MB/s (${(mb / cpuSecs).toFixed(1)} MB per CPU second)${heap}`);
}
throughput("text", READERS["text"] as Reader, generateLog(loadSamples(root), totalMb * 1048576, 11));
throughput("junit", READERS["junit"] as Reader, generateJunit(root, totalMb * 1048576, 11));
