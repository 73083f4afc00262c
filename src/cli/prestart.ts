// `diagnose <folder>` waits on pytest for nearly all its time, yet loading the whole CLI took
// Node 35–45 ms before pytest could start (of a 1.2 s run at 100 tests). The package's entry
// (early.ts) starts pytest with the runner alone (15 KB) and then loads the rest of the CLI, whose
// diagnose takes the run over here: the events so far, then the live ones.
import * as fs from "node:fs";
import { run, type RunnerEvent, type RunResult } from "../core/runner";
import { realPath } from "../core/realPath";
import { parseDiagnoseArgs, pluginDir } from "./args";

/** What a diagnose of a folder starts pytest with: a run started early is taken over only by a
 * diagnose that would have started the same one. */
export interface RunPlan {
  python: string;
  cwd: string;
  pluginDir: string;
  args: readonly string[];
  trace: boolean;
}

interface Prestart {
  plan: string;
  attach(emit: (e: RunnerEvent) => void): Promise<RunResult>;
  cancel(): void;
}

// One slot per process, shared by the entry's copy of this module and the rest of the CLI's.
const SLOT = Symbol.for("orm-test-doctor.prestart");
const SIGNAL = Symbol.for("orm-test-doctor.early-signal");
// the signals the CLI ends a run on (main.ts gives each its exit code)
const SIGNALS = ["SIGHUP", "SIGINT", "SIGTERM"] as const;
type Slots = { [SLOT]?: Prestart; [SIGNAL]?: NodeJS.Signals };
const slots = globalThis as Slots;

function planKey(p: RunPlan): string {
  return JSON.stringify([p.python, p.cwd, p.pluginDir, p.args, p.trace]);
}

/** Starts pytest at once for `diagnose <folder> --python PY` (or ORM_TD_PYTHON); anything else,
 * or anything odd about the arguments, is left to the CLI itself. */
export function startEarly(argv: readonly string[]): void {
  if (argv[0] !== "diagnose") return;
  let plan: RunPlan;
  try {
    const opts = parseDiagnoseArgs(argv.slice(1));
    // without an interpreter named, the CLI probes the candidates first
    if (!opts.python || !fs.statSync(opts.target, { throwIfNoEntry: false })?.isDirectory()) return;
    plan = { python: opts.python, cwd: realPath(opts.target), pluginDir: pluginDir(), args: opts.pytestArgs, trace: opts.trace };
  } catch {
    return;
  }
  const cancel = new AbortController();
  // A signal before the rest of the CLI is loaded ends this run as the CLI's own handlers would
  // (they read the signal from SIGNAL); without a handler here, Node would die and leave pytest,
  // which runs in its own process group, behind.
  const early = (sig: NodeJS.Signals): void => {
    slots[SIGNAL] ??= sig;
    cancel.abort();
  };
  // `on`, not `once`: a second signal before the takeover must not find Node's default again
  for (const sig of SIGNALS) process.on(sig, early);
  const buffered: RunnerEvent[] = [];
  let sink: ((e: RunnerEvent) => void) | undefined;
  const result = run({ ...plan, args: [...plan.args], signal: cancel.signal }, [], (e) => (sink ? sink(e) : buffered.push(e)));
  result.catch(() => undefined); // a failure to start is the taker's to report, not a crash now
  slots[SLOT] = {
    plan: planKey(plan),
    attach(emit) {
      for (const sig of SIGNALS) process.removeListener(sig, early);
      for (const e of buffered.splice(0)) emit(e);
      sink = emit;
      return result;
    },
    cancel: () => cancel.abort(),
  };
}

/** Ends a run started early that nobody will take over (the rest of the CLI failed to load). */
export function cancelEarly(): void {
  const pre = slots[SLOT];
  delete slots[SLOT];
  pre?.cancel();
}

/** The signal that arrived before the CLI's own handlers were set, if one did. */
export function earlySignal(): NodeJS.Signals | undefined {
  return slots[SIGNAL];
}

/**
 * The run started early for this plan, taken over: `emit` gets its events so far and then the
 * live ones; `signal` cancels it. Undefined when none was started (development, other commands)
 * or it was started for another plan (then it is cancelled and its result awaited, so nothing
 * of it is left behind).
 */
export async function takePrestart(plan: RunPlan, emit: (e: RunnerEvent) => void, signal?: AbortSignal): Promise<RunResult | undefined> {
  const pre = slots[SLOT];
  delete slots[SLOT];
  if (!pre) return undefined;
  if (pre.plan !== planKey(plan)) {
    pre.cancel();
    await pre.attach(() => undefined);
    return undefined;
  }
  if (signal?.aborted) pre.cancel();
  else signal?.addEventListener("abort", () => pre.cancel(), { once: true });
  return pre.attach(emit);
}
