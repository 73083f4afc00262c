// The polluter search's runs through our runner: serial, in the given order, untraced; the
// victim's outcome is what counts. Shared by the CLI and the editor.
import { run, type PytestOptions } from "../runner";
import type { RunTests } from "./bisect";

// parallel and random order would make the runs disagree about what ran before the victim
const PARALLEL = new Set(["-n", "--numprocesses", "--dist", "--maxprocesses", "--tx"]);

export function serialArgs(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? "";
    if (PARALLEL.has(a)) i++;
    else if ([...PARALLEL].some((p) => a.startsWith(`${p}=`)) || /^-n\d+$/.test(a)) continue;
    else out.push(a);
  }
  return [...out, "-p", "no:randomly"];
}

/** Runs tests as the search asks, with the user's pytest options made serial. */
export function pytestRunTests(opts: PytestOptions): RunTests {
  const base: PytestOptions = { ...opts, args: serialArgs(opts.args ?? []), trace: false };
  return async (ids, signal) => {
    const victim = ids[ids.length - 1] ?? "";
    const r = await run(signal ? { ...base, signal } : base, ids);
    const o = r.outcomes.get(victim);
    return o === undefined || o === "skipped" ? "missing" : o === "passed" ? "passed" : "failed";
  };
}
