// Benchmark: streams ~200 MB of realistic pytest output (real samples, renamed tests) through
// the text parser in 64 KB byte chunks and reports MB/s. Run: node out/bench/parse-text.js [MB]
import * as path from "node:path";
import * as fs from "node:fs";
import { createPytestTextParser } from "../src/core/failures/text";
import { generateLog, loadSamples } from "./parse-text-gen";

function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, "package.json")) || path.basename(dir) === "out") dir = path.dirname(dir);
  return dir;
}

const totalMb = Number(process.argv[2] ?? 200);
const samples = loadSamples(repoRoot());
// Build the log first so generation is not timed.
const chunks: Buffer[] = [];
let bytes = 0;
for (const s of generateLog(samples, totalMb * 1024 * 1024, 11)) {
  const b = Buffer.from(s, "utf8");
  for (let i = 0; i < b.length; i += 65536) chunks.push(b.subarray(i, i + 65536));
  bytes += b.length;
}
let failures = 0;
let db = 0;
const t0 = process.hrtime.bigint();
const p = createPytestTextParser((f) => {
  failures++;
  if (f.db) db++;
});
for (const c of chunks) p.push(c);
p.end();
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
const mb = bytes / 1048576;
console.log(`parse-text: ${mb.toFixed(0)} MB, ${p.stats.lines} lines, ${failures} failures (${db} DB) in ${secs.toFixed(2)} s = ${(mb / secs).toFixed(0)} MB/s`);
