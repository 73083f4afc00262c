// Runner overhead benchmark: a generated N-test ORM suite (default 2,000) run, alternately,
// (a) as plain `python -m pytest -q -p no:cacheprovider` (output discarded) and
// (b) through our run() from src/core/runner with the plugin, every event consumed as the VS Code
//     adapter would (messages kept, outcomes folded, output kept).
// Both Python stacks: legacy (/usr/bin/python3) and modern (PYTHONPATH=.cache/py-modern/...).
//
// Run: npx tsc -p test/tsconfig.json && node out/bench/runner.js [reps=5] [tests=2000] [stacks=legacy,modern]
//      (or env BENCH_REPS / BENCH_TESTS / BENCH_STACKS; BENCH_PLUGIN_DIR for another plugin copy).
//      Order per repetition alternates ab / ba. Reported: wall time, and CPU time (pytest's from
//      /proc/self/stat cutime+cstime, plus Node's own for (b)), which a loaded machine disturbs less.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import type { Message } from "../src/core/protocol";
import { run, type PytestOptions, type RunnerEvent } from "../src/core/runner";
import { generateSuite } from "./genSuite";

const REPO = path.resolve(__dirname, "..", "..");
const PYTHON = "/usr/bin/python3";
const MODERN = path.join(REPO, ".cache", "py-modern", "usr", "lib", "python3", "dist-packages");
const ARGS = ["-q", "-p", "no:cacheprovider"];
// BENCH_PLUGIN_DIR: another copy of python/ (e.g. an older plugin, for A/B comparisons)
const PLUGIN_DIR = process.env["BENCH_PLUGIN_DIR"] ?? path.join(REPO, "python");

interface Stack {
  name: string;
  env: Record<string, string | undefined>;
}

interface Sample {
  ms: number;
  /** CPU (user+sys) of pytest and its children, from /proc/self/stat cutime+cstime (10 ms ticks). */
  childCpuMs: number;
  load: string;
}

interface StackResult {
  stack: string;
  plain: Sample[];
  ours: Sample[];
  nodeCpuMs: number[]; // Node-side CPU (user+sys) during each (b) run
}

/** CPU time of this process's reaped children (Linux: /proc/self/stat cutime + cstime), in ms. */
const TICK_MS = 10; // USER_HZ is 100 on Linux
function childCpuMs(): number {
  try {
    const stat = fs.readFileSync("/proc/self/stat", "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[13]) + Number(f[14])) * TICK_MS; // fields 16, 17 (cutime, cstime)
  } catch {
    return NaN;
  }
}

function loadavg(): string {
  try {
    return fs.readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  } catch {
    return os.loadavg().map((x) => x.toFixed(2)).join(" ");
  }
}

function plainEnv(stack: Stack): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...stack.env })) if (v !== undefined) env[k] = v;
  return env;
}

/** (a) plain pytest, output discarded. */
function runPlain(stack: Stack, cwd: string): Promise<{ ms: number; childCpuMs: number; code: number | null }> {
  const c0 = childCpuMs();
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ["-m", "pytest", ...ARGS], { cwd, env: plainEnv(stack), stdio: ["ignore", "ignore", "ignore"] });
    child.once("error", reject);
    child.once("close", (code) => resolve({ ms: performance.now() - t0, childCpuMs: childCpuMs() - c0, code }));
  });
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
async function runOurs(stack: Stack, cwd: string): Promise<Folded> {
  const opts: PytestOptions = { python: PYTHON, cwd, pluginDir: PLUGIN_DIR, args: ARGS, env: stack.env };
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
  const child = childCpuMs() - c0;
  const folded: Folded = {
    ms,
    cpuMs: (cpu.user + cpu.system) / 1000,
    childCpuMs: child,
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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 === 1 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

const min = (xs: number[]): number => Math.min(...xs);
const max = (xs: number[]): number => Math.max(...xs);
const f0 = (x: number): string => x.toFixed(0);

async function benchStack(stack: Stack, cwd: string, reps: number, tests: number): Promise<StackResult> {
  console.log(`\n== ${stack.name} ==`);
  // warm-up (pyc caches, page cache), not counted
  const wa = await runPlain(stack, cwd);
  const wb = await runOurs(stack, cwd);
  console.log(`warm-up: plain ${f0(wa.ms)} ms (exit ${wa.code}), ours ${f0(wb.ms)} ms (exit ${wb.exitCode}, ${wb.finished} finished)`);
  const result: StackResult = { stack: stack.name, plain: [], ours: [], nodeCpuMs: [] };
  let failures = 0;
  for (let r = 0; r < reps; r++) {
    const order: Array<"a" | "b"> = r % 2 === 0 ? ["a", "b"] : ["b", "a"];
    for (const which of order) {
      const load = loadavg();
      if (which === "a") {
        const a = await runPlain(stack, cwd);
        if (a.code !== 0) failures++;
        result.plain.push({ ms: a.ms, childCpuMs: a.childCpuMs, load });
        console.log(`rep ${r + 1} (a) plain pytest: ${f0(a.ms)} ms  cpu ${f0(a.childCpuMs)} ms  exit ${a.code}  load ${load}`);
      } else {
        const b = await runOurs(stack, cwd);
        const ok = b.finished === tests && b.outcomes["passed"] === tests && b.protocolErrors === 0 && b.exitCode === 0 && b.problem === undefined;
        if (!ok) failures++;
        result.ours.push({ ms: b.ms, childCpuMs: b.childCpuMs, load });
        result.nodeCpuMs.push(b.cpuMs);
        console.log(
          `rep ${r + 1} (b) run():         ${f0(b.ms)} ms  cpu ${f0(b.childCpuMs)} ms  exit ${b.exitCode}  load ${load}  ` +
            `finished ${b.finished} ${JSON.stringify(b.outcomes)} msgs ${b.messages} protoErr ${b.protocolErrors} node-cpu ${f0(b.cpuMs)} ms` +
            (ok ? "" : `  ** CHECK FAILED ${b.problem ?? ""}`),
        );
      }
    }
  }
  if (failures > 0) {
    console.log(`!! ${failures} run(s) did not end as expected (all ${tests} passed, exit 0)`);
    process.exitCode = 1;
  } else console.log(`verified: every (b) run saw ${tests} finished messages, all passed, no protocol errors`);
  return result;
}

async function main(): Promise<void> {
  const reps = Number(process.argv[2] ?? process.env["BENCH_REPS"] ?? 5);
  const tests = Number(process.argv[3] ?? process.env["BENCH_TESTS"] ?? 2000);
  const wanted = (process.argv[4] ?? process.env["BENCH_STACKS"] ?? "legacy,modern").split(",");
  const all: Stack[] = [
    { name: "legacy", env: {} },
    { name: "modern", env: { PYTHONPATH: MODERN } },
  ];
  const stacks = all.filter((s) => wanted.includes(s.name));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "otd-runner-bench-"));
  try {
    generateSuite(dir, tests);
    console.log(`plugin: ${PLUGIN_DIR}`);
    console.log(`suite: ${tests} tests in ${dir}; ${reps} reps per variant, interleaved; ${os.cpus().length} cores; load ${loadavg()}`);
    const results: StackResult[] = [];
    for (const s of stacks) results.push(await benchStack(s, dir, reps, tests));

    console.log("\n== summary ==  (a) plain pytest, (b) run(); wall ms; CPU ms = pytest process user+sys (b: + Node's own CPU)");
    console.log("stack   what          median     min     max  spread   runs");
    const row = (stack: string, name: string, xs: number[]): void =>
      console.log(`${stack.padEnd(7)} ${name.padEnd(12)} ${f0(median(xs)).padStart(7)} ${f0(min(xs)).padStart(7)} ${f0(max(xs)).padStart(7)} ${f0(max(xs) - min(xs)).padStart(7)}   ${xs.map(f0).join(" ")}`);
    for (const r of results) {
      const a = r.plain.map((s) => s.ms);
      const b = r.ours.map((s) => s.ms);
      const ca = r.plain.map((s) => s.childCpuMs);
      const cb = r.ours.map((s, i) => s.childCpuMs + r.nodeCpuMs[i]!);
      row(r.stack, "(a) wall", a);
      row(r.stack, "(b) wall", b);
      row(r.stack, "(a) CPU", ca);
      row(r.stack, "(b) CPU", cb);
      const paired = a.map((x, i) => b[i]! / x);
      console.log(
        `${r.stack.padEnd(7)} WALL ratio median(b)/median(a) = ${(median(b) / median(a)).toFixed(3)}   min(b)/min(a) = ${(min(b) / min(a)).toFixed(3)}   ` +
          `median of paired ratios = ${median(paired).toFixed(3)}`,
      );
      console.log(
        `${r.stack.padEnd(7)} CPU  ratio median(b)/median(a) = ${(median(cb) / median(ca)).toFixed(3)}   min(b)/min(a) = ${(min(cb) / min(ca)).toFixed(3)}   ` +
          `(pytest alone: ${(median(r.ours.map((s) => s.childCpuMs)) / median(ca)).toFixed(3)}; Node median ${f0(median(r.nodeCpuMs))} ms)   load ${r.plain[0]?.load ?? ""} → ${r.ours[r.ours.length - 1]?.load ?? ""}`,
      );
    }
    console.log(`load at end: ${loadavg()}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
