// Runner overhead benchmark, on two generated suites:
//   orm     N tests over SQLAlchemy models and factory_boy factories (default 2,000);
//   trivial N parametrized cases that do nothing (default 5,000): the per-test worst case (#9).
// Each suite is run, alternately,
// (a) as plain `python -m pytest -q -p no:cacheprovider` (output discarded) and
// (b) through our run() from src/core/runner with the plugin, every event consumed as the VS Code
//     adapter would (messages kept, outcomes folded, output kept); with provenance tracing on
//     (the default), off, or both (then (c) is tracing off).
// Both Python stacks: legacy (/usr/bin/python3) and modern (PYTHONPATH=.cache/py-modern/...).
//
// Run: npx tsc -p test/tsconfig.json && node out/bench/runner.js [reps=5] [tests] [stacks=legacy,modern]
//      env BENCH_REPS / BENCH_TESTS / BENCH_STACKS as the arguments (tests: every suite's count);
//      BENCH_SUITE=orm|trivial|both (default both); BENCH_TRACE=on|off|both (default on);
//      BENCH_PLUGIN_DIR for another plugin copy (A/B comparisons).
//      Order per repetition alternates ab / ba (abc / cba). Reported: wall time, and CPU time
//      (pytest's from /proc/self/stat cutime+cstime, plus Node's own for (b)), which a loaded
//      machine disturbs less.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import type { Message } from "../src/core/protocol";
import { run, type PytestOptions, type RunnerEvent } from "../src/core/runner";
import { generateSuite, generateTrivialSuite } from "./genSuite";
import { childCpuMs, loadavg, median, mergeEnv, PYTHON, runProcess } from "./proc";

const REPO = path.resolve(__dirname, "..", "..");
const MODERN = path.join(REPO, ".cache", "py-modern", "usr", "lib", "python3", "dist-packages");
const ARGS = ["-q", "-p", "no:cacheprovider"];
const PLUGIN_DIR = process.env["BENCH_PLUGIN_DIR"] ?? path.join(REPO, "python");

interface Stack {
  name: string;
  env: Record<string, string | undefined>;
}

interface Suite {
  name: "orm" | "trivial";
  tests: number;
  generate: (dir: string, tests: number) => number;
}

/** plain pytest, or our runner with tracing on or off */
type Variant = "plain" | "ours" | "ours-notrace";

interface Sample {
  ms: number;
  /** pytest's CPU (user+sys), plus Node's own for our runner */
  cpuMs: number;
  pyCpuMs: number;
  nodeCpuMs: number;
  load: string;
}

interface Folded {
  ms: number;
  cpuMs: number;
  childCpuMs: number;
  finished: number;
  outcomes: Record<string, number>;
  messages: number;
  protocolErrors: number;
  outputChars: number;
  exitCode: number | null;
  problem?: string;
}

/** (b) our runner, consuming every event as the adapter does. */
async function runOurs(stack: Stack, cwd: string, trace: boolean): Promise<Folded> {
  const opts: PytestOptions = { python: PYTHON, cwd, pluginDir: PLUGIN_DIR, args: ARGS, env: stack.env, trace };
  const kept: Message[] = [];
  const output: string[] = [];
  const outcomes: Record<string, number> = {};
  const reports = new Map<string, Message[]>();
  let finished = 0;
  let protocolErrors = 0;
  const onEvent = (e: RunnerEvent): void => {
    if (e.type === "message") {
      const m = e.message;
      kept.push(m);
      if (m.type === "report") {
        const list = reports.get(m.nodeid);
        if (list) list.push(m);
        else reports.set(m.nodeid, [m]);
      } else if (m.type === "finished") {
        finished++;
        outcomes[m.outcome] = (outcomes[m.outcome] ?? 0) + 1;
        reports.delete(m.nodeid);
      }
    } else if (e.type === "output") output.push(e.text.replace(/\r?\n/g, "\r\n"));
    else if (e.type === "protocol_error") protocolErrors++;
  };
  const c0 = childCpuMs();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const res = await run(opts, [], onEvent);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const folded: Folded = {
    ms,
    cpuMs: (cpu.user + cpu.system) / 1000,
    childCpuMs: childCpuMs() - c0,
    finished,
    outcomes,
    messages: kept.length,
    protocolErrors,
    outputChars: output.reduce((n, s) => n + s.length, 0),
    exitCode: res.exit.code,
  };
  if (res.exit.problem) folded.problem = JSON.stringify(res.exit.problem).slice(0, 300);
  return folded;
}

const min = (xs: number[]): number => Math.min(...xs);
const max = (xs: number[]): number => Math.max(...xs);
const f0 = (x: number): string => x.toFixed(0);
const LABEL: Record<Variant, string> = { plain: "(a) plain", ours: "(b) ours", "ours-notrace": "(c) no-trace" };

/** One run of a variant; undefined when it did not end as expected. */
async function once(v: Variant, stack: Stack, cwd: string, tests: number, tag: string): Promise<Sample | undefined> {
  const load = loadavg();
  if (v === "plain") {
    const a = await runProcess(PYTHON, ["-m", "pytest", ...ARGS], { cwd, env: mergeEnv(stack.env) });
    console.log(`${tag} ${LABEL[v].padEnd(13)} ${f0(a.ms)} ms  cpu ${f0(a.cpuMs)} ms  exit ${a.code}  load ${load}`);
    return a.code === 0 ? { ms: a.ms, cpuMs: a.cpuMs, pyCpuMs: a.cpuMs, nodeCpuMs: 0, load } : undefined;
  }
  const b = await runOurs(stack, cwd, v === "ours");
  const ok = b.finished === tests && b.outcomes["passed"] === tests && b.protocolErrors === 0 && b.exitCode === 0 && b.problem === undefined;
  console.log(
    `${tag} ${LABEL[v].padEnd(13)} ${f0(b.ms)} ms  cpu ${f0(b.childCpuMs)} ms  exit ${b.exitCode}  load ${load}  ` +
      `finished ${b.finished} ${JSON.stringify(b.outcomes)} msgs ${b.messages} protoErr ${b.protocolErrors} node-cpu ${f0(b.cpuMs)} ms` +
      (ok ? "" : `  ** CHECK FAILED ${b.problem ?? ""}`),
  );
  return ok ? { ms: b.ms, cpuMs: b.childCpuMs + b.cpuMs, pyCpuMs: b.childCpuMs, nodeCpuMs: b.cpuMs, load } : undefined;
}

type Results = Map<Variant, Sample[]>;

async function benchStack(stack: Stack, suite: Suite, cwd: string, reps: number, variants: Variant[]): Promise<Results> {
  console.log(`\n== ${suite.name} ${suite.tests} / ${stack.name} ==`);
  for (const v of variants) await once(v, stack, cwd, suite.tests, "warm-up"); // pyc caches, page cache
  const results: Results = new Map(variants.map((v) => [v, []]));
  let failures = 0;
  for (let r = 0; r < reps; r++) {
    for (const v of r % 2 === 0 ? variants : [...variants].reverse()) {
      const s = await once(v, stack, cwd, suite.tests, `rep ${r + 1}`);
      if (s) results.get(v)!.push(s);
      else failures++;
    }
  }
  if (failures > 0) {
    console.log(`!! ${failures} run(s) did not end as expected (all ${suite.tests} passed, exit 0); left out of the figures`);
    process.exitCode = 1;
  } else console.log(`verified: every run of ours saw ${suite.tests} finished messages, all passed, no protocol errors`);
  return results;
}

/** Prints the figures; returns the ratio lines (printed together at the end). */
function summary(suite: Suite, stack: string, results: Results): string[] {
  const row = (name: string, xs: number[]): void =>
    console.log(`${stack.padEnd(7)} ${name.padEnd(18)} ${f0(median(xs)).padStart(7)} ${f0(min(xs)).padStart(7)} ${f0(max(xs)).padStart(7)}   ${xs.map(f0).join(" ")}`);
  const plain = results.get("plain") ?? [];
  const ratios: string[] = [];
  for (const [v, xs] of results) {
    row(`${LABEL[v]} wall`, xs.map((s) => s.ms));
    row(`${LABEL[v]} CPU`, xs.map((s) => s.cpuMs));
  }
  for (const [v, xs] of results) {
    if (v === "plain" || xs.length === 0 || plain.length === 0) continue;
    const a = plain.map((s) => s.ms);
    const b = xs.map((s) => s.ms);
    const ca = plain.map((s) => s.cpuMs);
    const cb = xs.map((s) => s.cpuMs);
    const paired = b.slice(0, a.length).map((x, i) => x / a[i]!);
    ratios.push(
      `${suite.name.padEnd(7)} ${stack.padEnd(6)} ${v.padEnd(12)} wall ${(median(b) / median(a)).toFixed(3)} (min/min ${(min(b) / min(a)).toFixed(3)}, paired ${median(paired).toFixed(3)})` +
        `   CPU ${(median(cb) / median(ca)).toFixed(3)} (min/min ${(min(cb) / min(ca)).toFixed(3)}; pytest alone ${(median(xs.map((s) => s.pyCpuMs)) / median(ca)).toFixed(3)}, ` +
        `Node ${f0(median(xs.map((s) => s.nodeCpuMs)))} ms)   load ${plain[0]?.load ?? ""} → ${xs[xs.length - 1]?.load ?? ""}`,
    );
  }
  return ratios;
}

async function main(): Promise<void> {
  const reps = Number(process.argv[2] ?? process.env["BENCH_REPS"] ?? 5);
  const testsArg = process.argv[3] ?? process.env["BENCH_TESTS"];
  const wanted = (process.argv[4] ?? process.env["BENCH_STACKS"] ?? "legacy,modern").split(",");
  const suiteArg = process.env["BENCH_SUITE"] ?? "both";
  const traceArg = process.env["BENCH_TRACE"] ?? "on";
  const all: Stack[] = [
    { name: "legacy", env: {} },
    { name: "modern", env: { PYTHONPATH: MODERN } },
  ];
  const stacks = all.filter((s) => wanted.includes(s.name));
  const suites: Suite[] = [
    { name: "orm" as const, tests: 2000, generate: generateSuite },
    { name: "trivial" as const, tests: 5000, generate: generateTrivialSuite },
  ].filter((s) => suiteArg === "both" || suiteArg === s.name);
  if (testsArg !== undefined) for (const s of suites) s.tests = Number(testsArg);
  const variants: Variant[] = traceArg === "off" ? ["plain", "ours-notrace"] : traceArg === "both" ? ["plain", "ours", "ours-notrace"] : ["plain", "ours"];
  if (suites.length === 0 || stacks.length === 0) throw new Error(`nothing to run: BENCH_SUITE=${suiteArg}, stacks ${wanted.join(",")}`);

  console.log(`plugin: ${PLUGIN_DIR}`);
  console.log(`${reps} reps per variant, interleaved; ${os.cpus().length} cores; load ${loadavg()}`);
  const done: Array<[Suite, string, Results]> = [];
  for (const suite of suites) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `otd-runner-bench-${suite.name}-`));
    try {
      suite.generate(dir, suite.tests);
      for (const s of stacks) done.push([suite, s.name, await benchStack(s, suite, dir, reps, variants)]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log("\n== summary ==  wall ms; CPU ms = pytest process user+sys (ours: + Node's own CPU)");
  console.log("stack   what                median     min     max   runs");
  const ratios: string[] = [];
  for (const [suite, stack, results] of done) {
    console.log(`-- ${suite.name} (${suite.tests} tests)`);
    ratios.push(...summary(suite, stack, results));
  }
  console.log("\n== ours / plain ==  median ratios (wall, CPU)");
  for (const line of ratios) console.log(line);
  console.log(`load at end: ${loadavg()}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
