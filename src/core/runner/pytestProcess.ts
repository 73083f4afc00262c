// One pytest process with our plugin: socket server, spawn (argument array, own process
// group), typed messages and output as events, cancel, and a final exit event.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Message } from "../protocol";
import { SOCKET_ENV, SPILL_ENV, TRACE_ENV } from "../protocol";
import { FileTail } from "./fileTail";
import { LineSplitter, parseMessage, type ProtocolError } from "./lines";
import { killTree } from "./processTree";
import { classifyExit, type Problem } from "./problems";
import { listen } from "./server";
import { Delivery, SPILL_FILE } from "./spill";

export interface PytestOptions {
  /** Interpreter path (see findInterpreter). */
  python: string;
  /** Folder pytest runs in. */
  cwd: string;
  /** Folder holding the orm_test_doctor package (bundle and dev locations differ). */
  pluginDir: string;
  /** The user's pytest arguments, passed through unchanged. */
  args?: readonly string[];
  /** Merged over process.env; an undefined value removes the variable. */
  env?: Readonly<Record<string, string | undefined>>;
  signal?: AbortSignal;
  /** Between SIGTERM and SIGKILL on cancel. Default 1000 ms. */
  killGraceMs?: number;
  /** Runtime provenance in the plugin (default on); false sends nothing of it. */
  trace?: boolean;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  cancelled: boolean;
  /** The plugin sent session_finished: pytest ran to its end. */
  sessionFinished: boolean;
  /** Set when the run did not end normally (also on cancel). */
  problem?: Problem;
  stderrTail: string;
  durationMs: number;
}

export type RunnerEvent =
  | { type: "message"; message: Message }
  | { type: "output"; stream: "stdout" | "stderr"; text: string }
  | { type: "protocol_error"; error: ProtocolError }
  | { type: "exit"; exit: ExitInfo };

const TAIL = 4000;
/** How often pytest's stdout file is read, and the spill when the socket is quiet. */
const TICK_MS = 100;

export function pytestEnv(opts: PytestOptions, socketAddress: string, spillPath?: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...opts.env })) if (v !== undefined) env[k] = v;
  const current = env["PYTHONPATH"];
  env["PYTHONPATH"] = current ? opts.pluginDir + path.delimiter + current : opts.pluginDir;
  env[SOCKET_ENV] = socketAddress;
  if (spillPath !== undefined) env[SPILL_ENV] = spillPath;
  if (opts.trace === false) env[TRACE_ENV] = "0";
  env["PYTHONUNBUFFERED"] ??= "1"; // output streams live instead of in 8 KB blocks
  return env;
}

/** Runs `python -m pytest -p orm_test_doctor.plugin <args> <extraArgs>`; resolves after the
 * exit event was emitted. Never rejects for pytest's own failures: they arrive as exit.problem. */
export async function runPytestProcess(opts: PytestOptions, extraArgs: readonly string[], emit: (e: RunnerEvent) => void): Promise<ExitInfo> {
  const started = Date.now();
  let hello = false;
  let sessionFinished = false;
  const running = new Set<string>(); // started, not finished: named in a crash message
  const onLine = (line: string): void => {
    const parsed = parseMessage(line);
    if (!parsed.ok) return emit({ type: "protocol_error", error: parsed.error });
    if (parsed.message.type === "hello") hello = true;
    if (parsed.message.type === "session_finished") sessionFinished = true;
    if (parsed.message.type === "started") running.add(parsed.message.nodeid);
    if (parsed.message.type === "finished") running.delete(parsed.message.nodeid);
    emit({ type: "message", message: parsed.message });
  };
  const overflow = (size: number): void => emit({ type: "protocol_error", error: { reason: `line longer than ${size} bytes dropped`, line: "" } });
  let delivery: Delivery | undefined; // the plugin's lines: its connection (the first) and the spill
  let connections = 0;
  const server = await listen(() => {
    const d = connections++ === 0 ? delivery : undefined;
    if (d !== undefined) {
      const splitter = new LineSplitter((line) => d.fromSocket(line), (size) => (d.fromSocket(undefined), overflow(size)));
      return { onData: (c) => splitter.push(c), onEnd: () => d.socketEnded(splitter.takeRest()) };
    }
    const splitter = new LineSplitter(onLine, overflow);
    return { onData: (c) => splitter.push(c), onEnd: () => splitter.end() };
  });

  const finish = (exit: Omit<ExitInfo, "durationMs" | "problem"> & { spawnError?: NodeJS.ErrnoException; tail: string }): ExitInfo => {
    const problem = classifyExit({ python: opts.python, pluginDir: opts.pluginDir, hello, ...exit, sessionFinished, spawnError: exit.spawnError, running: [...running] });
    const info: ExitInfo = { code: exit.code, signal: exit.signal, cancelled: exit.cancelled, sessionFinished, stderrTail: exit.stderrTail, durationMs: Date.now() - started };
    if (problem !== undefined) info.problem = problem;
    emit({ type: "exit", exit: info });
    return info;
  };

  if (opts.signal?.aborted === true) {
    server.close();
    return finish({ code: null, signal: null, cancelled: true, sessionFinished, stderrTail: "", tail: "" });
  }

  // A Unix socket's private folder also holds the spill and pytest's stdout (fileTail.ts).
  const files = server.dir === undefined ? undefined : privateFiles(server.dir);
  const plugin = (delivery = new Delivery(files?.spill, onLine));
  let stderrTail = "";
  let stdoutTail = "";
  const onStdout = (text: string): void => {
    stdoutTail = (stdoutTail + text).slice(-TAIL);
    emit({ type: "output", stream: "stdout", text });
  };
  const stdoutFile = files === undefined ? undefined : new FileTail(files.stdoutFd, onStdout);
  const args = ["-m", "pytest", "-p", "orm_test_doctor.plugin", ...(opts.args ?? []), ...extraArgs];
  let child: ChildProcess;
  try {
    child = spawn(opts.python, args, {
      cwd: opts.cwd,
      env: pytestEnv(opts, server.address, files?.spill),
      detached: process.platform !== "win32", // own process group, so cancel reaches xdist workers
      stdio: ["ignore", files?.stdoutFd ?? "pipe", "pipe"],
      windowsHide: true,
    });
  } catch (err) {
    // an argument Node refuses (a NUL byte): nothing started, nothing left behind
    stdoutFile?.close();
    plugin.end();
    server.close();
    return finish({ code: null, signal: null, cancelled: false, sessionFinished, stderrTail: "", tail: "", spawnError: err as NodeJS.ErrnoException });
  }
  child.stdout?.setEncoding("utf8").on("data", onStdout);
  const ticker = setInterval(() => {
    stdoutFile?.poll();
    plugin.quiet();
  }, TICK_MS);
  child.stderr?.setEncoding("utf8").on("data", (text: string) => {
    stdoutFile?.poll(); // what pytest wrote to stdout before this comes first
    stderrTail = (stderrTail + text).slice(-TAIL);
    emit({ type: "output", stream: "stderr", text });
  });

  let cancelled = false;
  let killing: Promise<void> | undefined;
  const onAbort = (): void => {
    cancelled = true;
    if (child.pid !== undefined) killing ??= killTree(child.pid, opts.killGraceMs ?? 1000);
  };
  opts.signal?.addEventListener("abort", onAbort, { once: true });

  const result = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; spawnError?: NodeJS.ErrnoException }>((resolve) => {
    child.once("error", (err: NodeJS.ErrnoException) => resolve({ code: null, signal: null, spawnError: err }));
    child.once("exit", (code, signal) => {
      // A leftover grandchild may hold our pipes open: do not wait for "close" forever.
      const timer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, 2000);
      child.once("close", () => {
        clearTimeout(timer);
        resolve({ code, signal });
      });
    });
  });
  opts.signal?.removeEventListener("abort", onAbort);
  if (killing !== undefined) await killing;
  else if (child.pid !== undefined && !sessionFinished && result.spawnError === undefined) {
    await killTree(child.pid, 200); // a crashed controller must not leave xdist workers behind
  }
  await server.drain(1000);
  clearInterval(ticker);
  stdoutFile?.close();
  plugin.end(); // what a crash kept from the socket
  server.close();
  const lastWords = stderrTail.trim() ? stderrTail : stdoutTail;
  return finish({ ...result, cancelled, sessionFinished, stderrTail, tail: lastWords });
}

/** The spill and pytest's stdout file in the socket's private folder; undefined: pipes only. */
function privateFiles(dir: string): { spill: string; stdoutFd: number } | undefined {
  try {
    const spill = path.join(dir, SPILL_FILE);
    fs.writeFileSync(spill, "", { mode: 0o600 });
    // one descriptor, pytest's stdout and ours to read: O_APPEND, so our reads move no write offset
    return { spill, stdoutFd: fs.openSync(path.join(dir, "stdout"), "a+", 0o600) };
  } catch {
    return undefined;
  }
}
