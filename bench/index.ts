// Index benchmark: full index of a generated ≥1,000,000-line corpus (worker threads), and
// the median time to re-index one changed 500-line file.
// Run: npx tsc -p test/tsconfig.json && node out/bench/index.js [files] [workers]
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { indexWorkspace } from "../src/core/index";
import { bigTestFile, generateCorpus } from "./indexCorpus";

async function main(): Promise<void> {
  const files = Number(process.argv[2] ?? 5000);
  const workers = Number(process.argv[3] ?? 2);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "otd-index-bench-"));
  try {
    const corpus = generateCorpus(root, files);
    console.log(`corpus: ${corpus.files} files, ${corpus.lines} lines in ${root}`);

    const t0 = performance.now();
    const index = await indexWorkspace(root, { workers });
    const ms = performance.now() - t0;
    const lines = index.totalLines();
    console.log(`full index (${workers} workers): ${index.files().length} files, ${lines} lines in ${ms.toFixed(0)} ms = ${Math.round(lines / (ms / 1000))} lines/s`);

    const q0 = performance.now();
    const tables = index.tables().length;
    const factories = index.factories().length;
    const tests = index.tests().length;
    console.log(`first cross-file queries: ${tables} tables, ${factories} factories, ${tests} tests in ${(performance.now() - q0).toFixed(0)} ms`);

    const rel = "pkg0/tests/test_big.py";
    const times: number[] = [];
    const queryTimes: number[] = [];
    for (let i = 0; i < 55; i++) {
      const text = bigTestFile(i);
      const s = performance.now();
      await index.updateFile(rel, text);
      const e = performance.now();
      index.testLinks(`${rel}::test_case_${i}`);
      const q = performance.now();
      if (i >= 5) {
        times.push(e - s); // first runs warm up the JIT
        queryTimes.push(q - e);
      }
    }
    const lineCount = bigTestFile(0).split("\n").length - 1;
    console.log(`re-index one ${lineCount}-line file: median ${median(times).toFixed(2)} ms over ${times.length} runs (p90 ${pct(times, 0.9).toFixed(2)} ms)`);
    console.log(`then testLinks() for one test in it: median ${median(queryTimes).toFixed(2)} ms`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

function median(xs: number[]): number {
  return pct(xs, 0.5);
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))] ?? NaN;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
