// Process helpers for the benches: spawn with an argument array (never a shell string), time it,
// and the CPU time of reaped children, which a loaded machine disturbs less than wall time.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import { performance } from "node:perf_hooks";

export const PYTHON = "/usr/bin/python3";

export interface ProcResult {
  code: number | null;
  ms: number;
  /** user+sys CPU of the process and the children it waited for (10 ms ticks). */
  cpuMs: number;
  stdout: string;
  stderr: string;
}

/** CPU time of this process's reaped children (Linux: /proc/self/stat cutime + cstime), in ms. */
export function childCpuMs(): number {
  try {
    const stat = fs.readFileSync("/proc/self/stat", "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[13]) + Number(f[14])) * 10; // fields 16, 17; USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}

export function loadavg(): string {
  return os.loadavg().map((x) => x.toFixed(2)).join(" ");
}

/** process.env with `extra` over it; an undefined value removes the variable. */
export function mergeEnv(extra: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...extra })) if (v !== undefined) env[k] = v;
  return env;
}

/** Runs `cmd args` in `cwd`; stdout/stderr kept only when `capture` (else discarded, as a user
 * who only waits for the exit code would). One run at a time: the CPU figure is a difference. */
export function runProcess(cmd: string, args: readonly string[], opts: { cwd: string; env: Record<string, string>; capture?: boolean }): Promise<ProcResult> {
  const c0 = childCpuMs();
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const stdio = opts.capture ? "pipe" : "ignore";
    const child = spawn(cmd, [...args], { cwd: opts.cwd, env: opts.env, stdio: ["ignore", stdio, stdio] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on("data", (b: Buffer) => out.push(b));
    child.stderr?.on("data", (b: Buffer) => err.push(b));
    child.once("error", reject);
    child.once("close", (code) =>
      resolve({ code, ms: performance.now() - t0, cpuMs: childCpuMs() - c0, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }),
    );
  });
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 === 1 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}
