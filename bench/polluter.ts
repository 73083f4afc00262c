// "Culprit named" benchmark (issue #10): generated suites (100, 1,000, 5,000 tests) with one planted
// polluter (a factory that commits a constant unique email) and one victim far later, on both stacks:
//   (a) ours: one `node dist/cli.js diagnose DIR --python /usr/bin/python3 --json`; the JSON
//       must name the planted polluter test and factory, or the bench fails;
//   (b) baseline: one plain `pytest -q -p no:cacheprovider` (to see which test failed), then the
//       detect-test-pollution bisection (bench/bisect.ts) from that victim; it must find the polluter.
// Order per repetition alternates (a)(b) / (b)(a). Also the pytest process's peak RSS (VmHWM, written
// at exit by the generated conftest) for plain, traced and untraced (--no-trace) runs.
//
// Run: npm run bench -- polluter, or node out/bench/polluter.js [sizes=100,1000,5000]
//   env BENCH_SIZES=100,1000  BENCH_STACKS=legacy,modern  BENCH_REPS=n (default 3 at every size: one run of 5,000 swings ±20% here)
//       BENCH_KEEP_CA=1 (keep NODE_EXTRA_CA_CERTS, see STACKS)  BENCH_BISECT=once (see BISECT_ONCE)
//       BENCH_MEMORY_SIZE=5000 (the size whose memory is compared traced vs untraced; default the largest)
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { DiagnoseDocument } from "../src/core/causes/document";
import { Bisector, type BisectResult } from "./bisect";
import { generatePollutedSuite, type PollutedSuite } from "./genPolluted";
import { loadavg, median, mergeEnv, PYTHON, runProcess, type ProcResult } from "./proc";

const REPO = path.resolve(__dirname, "..", "..");
// the CLI users run (`npx orm-test-doctor`): the bundle, which loads in half the time of out/
const CLI = path.join(REPO, "dist", "cli.js");
const MODERN = path.join(REPO, ".cache", "py-modern", "usr", "lib", "python3", "dist-packages");
// PYTHONDONTWRITEBYTECODE removed: with it pytest re-rewrites the asserts of every test module on
// every run (no .pyc), a cost a developer's machine does not pay and which dilutes the ratios.
// NODE_EXTRA_CA_CERTS removed too (BENCH_KEEP_CA=1 keeps it): where it is set, as in this
// sandbox's image, every Node process reads and parses the certificates as it starts (40 ms here,
// a third of Node's start), a cost of that setting that a developer's machine does not pay.
const NO_CA = process.env["BENCH_KEEP_CA"] === "1" ? {} : { NODE_EXTRA_CA_CERTS: undefined };
const STACKS: Record<string, Record<string, string | undefined>> = {
  legacy: { PYTHONDONTWRITEBYTECODE: undefined, ...NO_CA },
  modern: { PYTHONPATH: MODERN, PYTHONDONTWRITEBYTECODE: undefined, ...NO_CA },
};

// BENCH_BISECT=once: the bisection in the first repetition only (its runs are the same every
// time; at 5,000 tests it takes three minutes a repetition)
const BISECT_ONCE = process.env["BENCH_BISECT"] === "once";

interface Run {
  ms: number;
  cpuMs: number;
  rssKb: number;
  /** ours only: pytest's own run, spawn to exit, as the runner timed it (the document's durationMs) */
  pytestMs?: number;
}

interface Row {
  stack: string;
  size: number;
  plain: Run[];
  ours: Run[];
  bisect: BisectResult[];
  untraced?: Run;
}

class BenchFailure extends Error {}

function readRss(file: string): number {
  const kb = Number(fs.readFileSync(file, "utf8").trim());
  fs.rmSync(file, { force: true });
  return kb;
}

async function measured(cmd: string, args: string[], cwd: string, env: Record<string, string>, rssFile: string): Promise<{ r: ProcResult; run: Run }> {
  fs.rmSync(rssFile, { force: true });
  const r = await runProcess(cmd, args, { cwd, env: { ...env, ORM_TD_BENCH_RSS: rssFile }, capture: true });
  return { r, run: { ms: r.ms, cpuMs: r.cpuMs, rssKb: readRss(rssFile) } };
}

/** (b), first half: plain pytest; returns the one failed test's nodeid. */
async function plainRun(suite: PollutedSuite, env: Record<string, string>, rssFile: string): Promise<{ run: Run; victim: string }> {
  const { r, run } = await measured(PYTHON, ["-m", "pytest", "-q", "-p", "no:cacheprovider"], suite.dir, env, rssFile);
  const failed = [...r.stdout.matchAll(/^FAILED (\S+)/gm)].map((m) => m[1]!);
  const last = r.stdout.trim().split("\n").pop() ?? "";
  if (r.code !== 1 || failed.length !== 1 || failed[0] !== suite.victim || !last.includes(`1 failed, ${suite.tests - 1} passed`)) {
    throw new BenchFailure(`plain pytest: expected only ${suite.victim} to fail (exit 1), got exit ${r.code}, failed ${JSON.stringify(failed)}: ${last}`);
  }
  if (!r.stdout.includes("UNIQUE constraint failed: users.email")) throw new BenchFailure("plain pytest: the victim did not fail on the UNIQUE constraint");
  return { run, victim: failed[0] };
}

/** (a): one diagnose; the JSON must name the planted polluter test and factory. */
async function oursRun(suite: PollutedSuite, env: Record<string, string>, rssFile: string, trace = true): Promise<Run> {
  const args = [CLI, "diagnose", suite.dir, "--python", PYTHON, "--json", ...(trace ? [] : ["--no-trace"])];
  const { r, run } = await measured(process.execPath, args, suite.dir, env, rssFile);
  let doc: DiagnoseDocument;
  try {
    doc = JSON.parse(r.stdout) as DiagnoseDocument;
  } catch {
    throw new BenchFailure(`diagnose: exit ${r.code}, no JSON; stderr: ${r.stderr.slice(0, 500)}`);
  }
  const f = doc.failures;
  if (r.code !== 1 || f.length !== 1 || f[0]!.nodeid !== suite.victim || doc.summary.passed !== suite.tests - 1) {
    throw new BenchFailure(`diagnose: expected one failure, ${suite.victim}; got exit ${r.code}, ${JSON.stringify(doc.summary)}, ${f.map((x) => x.nodeid).join(", ")}`);
  }
  const causes = f[0]!.causes.map((c) => `${c.kind}:${c.symbol}`);
  const want = trace ? [`polluter-test:${suite.polluter}`, `factory-commits:${suite.factory}`] : [];
  if (!want.every((w) => causes.includes(w)) || (!trace && causes.length > 0)) {
    throw new BenchFailure(`diagnose${trace ? "" : " --no-trace"}: causes ${JSON.stringify(causes)}, wanted ${JSON.stringify(want)}`);
  }
  return { ...run, pytestMs: doc.summary.durationMs };
}

async function baseline(suite: PollutedSuite, stack: Record<string, string | undefined>, env: Record<string, string>, rssFile: string, search: boolean): Promise<{ plain: Run; bisect?: BisectResult }> {
  const { run, victim } = await plainRun(suite, env, rssFile);
  if (!search) return { plain: run };
  const bisect = await new Bisector(suite.dir, stack).run(victim);
  if (bisect.polluter !== suite.polluter) throw new BenchFailure(`bisection named ${bisect.polluter ?? "nothing"}, planted ${suite.polluter}: ${bisect.log.join("; ")}`);
  return { plain: run, bisect };
}

const s = (ms: number): string => (ms / 1000).toFixed(2);
const mb = (kb: number): string => (kb / 1024).toFixed(1);

async function benchOne(stackName: string, suite: PollutedSuite, reps: number, memory: boolean): Promise<Row> {
  const stack = STACKS[stackName]!;
  const env = mergeEnv(stack);
  const rssFile = path.join(os.tmpdir(), `otd-polluter-rss-${process.pid}`);
  // warm-up, not counted: a collection writes this stack's assert-rewritten .pyc of every test module
  await runProcess(PYTHON, ["-m", "pytest", "-q", "--collect-only"], { cwd: suite.dir, env });
  const row: Row = { stack: stackName, size: suite.tests, plain: [], ours: [], bisect: [] };
  for (let rep = 0; rep < reps; rep++) {
    const order = rep % 2 === 0 ? ["ours", "baseline"] : ["baseline", "ours"];
    for (const which of order) {
      const load = loadavg();
      if (which === "ours") {
        const o = await oursRun(suite, env, rssFile);
        row.ours.push(o);
        console.log(`  rep ${rep + 1} ours:  ${s(o.ms)} s (pytest ${s(o.pytestMs ?? NaN)} s, cpu ${s(o.cpuMs)} s, rss ${mb(o.rssKb)} MB)  load ${load}`);
      } else {
        const b = await baseline(suite, stack, env, rssFile, rep === 0 || !BISECT_ONCE);
        row.plain.push(b.plain);
        if (b.bisect) row.bisect.push(b.bisect);
        const searched = b.bisect ? `; bisection ${s(b.bisect.ms)} s in ${b.bisect.runs} pytest runs` : "";
        console.log(`  rep ${rep + 1} plain: ${s(b.plain.ms)} s (cpu ${s(b.plain.cpuMs)} s, rss ${mb(b.plain.rssKb)} MB)${searched}  load ${load}`);
      }
    }
  }
  if (memory) {
    row.untraced = await oursRun(suite, env, rssFile, false);
    console.log(`  untraced (--no-trace): ${s(row.untraced.ms)} s, rss ${mb(row.untraced.rssKb)} MB`);
  }
  return row;
}

function report(rows: Row[]): void {
  // best: the fastest of each side (on a shared machine noise only ever adds time); paired: the
  // median of each repetition's ours/plain, the two run back to back; pytest: the traced pytest
  // alone (spawn to exit) against plain, so ours/plain splits into the tracer and Node's part
  console.log("\n== culprit named (medians; wall seconds; cpu = user+sys of the process tree) ==");
  console.log("stack   tests reps   plain    ours  ours/plain (cpu)  (best) (paired)  pytest/plain   bisect runs  bisect/plain  plain+bisect");
  for (const r of rows) {
    const p = median(r.plain.map((x) => x.ms));
    const o = median(r.ours.map((x) => x.ms));
    const cpu = median(r.ours.map((x) => x.cpuMs)) / median(r.plain.map((x) => x.cpuMs));
    const best = Math.min(...r.ours.map((x) => x.ms)) / Math.min(...r.plain.map((x) => x.ms));
    const paired = median(r.ours.map((x, i) => x.ms / r.plain[i]!.ms));
    const traced = median(r.ours.map((x) => x.pytestMs ?? NaN)) / p;
    const b = median(r.bisect.map((x) => x.ms));
    const runs = median(r.bisect.map((x) => x.runs));
    console.log(
      `${r.stack.padEnd(7)} ${String(r.size).padStart(5)} ${String(r.plain.length).padStart(4)} ${s(p).padStart(7)} ${s(o).padStart(7)} ` +
        `${(o / p).toFixed(2).padStart(10)}x (${cpu.toFixed(2)}x) ${best.toFixed(2).padStart(6)}x ${paired.toFixed(2).padStart(7)}x ${traced.toFixed(2).padStart(13)}x ` +
        `${s(b).padStart(8)} ${String(runs).padStart(4)} ${(b / p).toFixed(1).padStart(12)}x ${s(p + b).padStart(13)}`,
    );
  }
  const mem = rows.filter((r) => r.untraced);
  if (!mem.length) return;
  console.log("\n== peak RSS of the pytest process (VmHWM, MB; medians) ==");
  console.log("stack   tests   plain  untraced  traced  traced-untraced");
  for (const r of mem) {
    const t = median(r.ours.map((x) => x.rssKb));
    const u = r.untraced!.rssKb;
    console.log(`${r.stack.padEnd(7)} ${String(r.size).padStart(5)} ${mb(median(r.plain.map((x) => x.rssKb))).padStart(7)} ${mb(u).padStart(9)} ${mb(t).padStart(7)} ${mb(t - u).padStart(16)}`);
  }
}

async function main(): Promise<void> {
  const sizes = (process.argv[2] ?? process.env["BENCH_SIZES"] ?? "100,1000,5000").split(",").map(Number);
  const stacks = (process.env["BENCH_STACKS"] ?? "legacy,modern").split(",").filter((x) => x in STACKS);
  const reps = Number(process.env["BENCH_REPS"] ?? 3);
  const memorySize = Number(process.env["BENCH_MEMORY_SIZE"] ?? Math.max(...sizes));
  if (!fs.existsSync(CLI)) throw new BenchFailure(`${CLI} missing: npm run build`);
  console.log(`sizes ${sizes.join(", ")}; stacks ${stacks.join(", ")}; ${os.cpus().length} cores; load ${loadavg()}`);
  const rows: Row[] = [];
  const t0 = Date.now();
  for (const size of sizes) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `otd-polluter-${size}-`));
    try {
      const suite = generatePollutedSuite(dir, size);
      for (const stack of stacks) {
        console.log(`\n== ${stack}, ${size} tests: polluter ${suite.polluter}, victim ${suite.victim} ==`);
        rows.push(await benchOne(stack, suite, reps, size === memorySize));
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  report(rows);
  console.log(`\nverified: every diagnose named the planted polluter test and factory, every bisection the planted test. ${((Date.now() - t0) / 60000).toFixed(1)} min, load ${loadavg()}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof BenchFailure ? `\n!! BENCH FAILED: ${err.message}` : err);
  process.exitCode = 1;
});
