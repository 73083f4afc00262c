// Drift check benchmark: check() over the generated ≥1,000,000-line corpus once the index is
// built, then checkFile() for one changed file (a test module edited inside its test bodies,
// the common case while writing tests; and a factories module, whose views are patched in
// place), alone and with the file's re-index. Run: npx tsc -p test/tsconfig.json && node out/bench/drift.js [files]
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { check, checkFile, DriftFindings } from "../src/core/drift";
import { indexWorkspace } from "../src/core/index";
import { bigTestFile, generateCorpus } from "./indexCorpus";

async function main(): Promise<void> {
  const files = Number(process.argv[2] ?? 5000);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "otd-drift-bench-"));
  try {
    const corpus = generateCorpus(root, files);
    const index = await indexWorkspace(root, { workers: 2 });
    console.log(`corpus: ${corpus.files} files, ${index.totalLines()} lines indexed`);
    // the index's own cross-file views, built on first query (timed by bench/index.ts)
    const counts = `${index.models().length} models, ${index.factories().length} factories, ${index.tests().length} tests`;

    // CPU time too: on a shared machine the wall clock says more about the other processes
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const findings = check(index);
    const ms = performance.now() - t0;
    console.log(`check(): ${findings.length} findings over ${counts} in ${ms.toFixed(0)} ms (${cpuMs(c0)} ms CPU)`);
    const t1 = performance.now();
    const c1 = process.cpuUsage();
    check(index);
    console.log(`check() again (same index generation): ${(performance.now() - t1).toFixed(0)} ms (${cpuMs(c1)} ms CPU)`);

    // "one changed file re-checked": checkFile alone, and with the re-index (parse + views kept)
    const testRel = "pkg0/tests/test_big.py";
    const times: number[] = [];
    const withIndex: number[] = [];
    for (let i = 0; i < 55; i++) {
      const u = performance.now();
      await index.updateFile(testRel, bigTestFile(i));
      const s = performance.now();
      checkFile(index, testRel);
      if (i >= 5) times.push(performance.now() - s);
      if (i >= 5) withIndex.push(performance.now() - u);
    }
    console.log(`checkFile() after editing a 500-line test module: median ${pct(times, 0.5).toFixed(2)} ms (p90 ${pct(times, 0.9).toFixed(2)} ms); with its re-index ${pct(withIndex, 0.5).toFixed(1)} ms (p90 ${pct(withIndex, 0.9).toFixed(1)} ms)`);

    const facRel = "pkg0/factories_0.py";
    const original = fs.readFileSync(path.join(root, facRel), "utf8");
    const facTimes: number[] = [];
    const facWithIndex: number[] = [];
    for (let i = 0; i < 25; i++) {
      const u = performance.now();
      await index.updateFile(facRel, original.replace("org_id = 1", `org_id = ${i + 2}`));
      const s = performance.now();
      checkFile(index, facRel);
      if (i >= 5) facTimes.push(performance.now() - s);
      if (i >= 5) facWithIndex.push(performance.now() - u);
    }
    console.log(`checkFile() after editing a factories module (views patched in place): median ${pct(facTimes, 0.5).toFixed(2)} ms; with its re-index ${pct(facWithIndex, 0.5).toFixed(1)} ms (p90 ${pct(facWithIndex, 0.9).toFixed(1)} ms)`);

    // the editor's path: findings kept per file, an edit re-checks the files it can affect
    const editor = new DriftFindings();
    const e0 = performance.now();
    editor.update(index);
    const first = performance.now() - e0;
    const editorTimes: number[] = [];
    let reChecked = 0;
    for (let i = 0; i < 25; i++) {
      await index.updateFile(facRel, original.replace("org_id = 1", `org_id = ${i + 30}`));
      const s = performance.now();
      const r = editor.update(index, [facRel]);
      if (i >= 5) editorTimes.push(performance.now() - s);
      reChecked = r.full ? -1 : r.files.length;
    }
    console.log(`editor findings: first (whole) ${first.toFixed(0)} ms; after a factories module edit ${reChecked < 0 ? "the whole project" : `${reChecked} file(s)`} re-checked in median ${pct(editorTimes, 0.5).toFixed(2)} ms (p90 ${pct(editorTimes, 0.9).toFixed(2)} ms)`);

  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

function cpuMs(since: NodeJS.CpuUsage): string {
  const d = process.cpuUsage(since);
  return ((d.user + d.system) / 1000).toFixed(0);
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))] ?? NaN;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
