// The polluter search for `diagnose`: failures the run's evidence explains with nothing, that
// pass alone, are bisected over the tests that ran before them (same xdist worker); a found
// polluter is confirmed by one traced run of it and the victim, whose evidence may name how.
import * as path from "node:path";
import { findPolluter, type BisectProgress } from "../core/causes/bisect";
import { pytestRunTests, serialArgs } from "../core/causes/bisectRun";
import { diagnose, type Diagnosis, type ProjectView, type RunFacts } from "../core/causes";
import type { Cause } from "../core/causes/model";
import { fromPluginError } from "../core/failures/plugin";
import type { Message } from "../core/protocol";
import { run, type PytestOptions } from "../core/runner";

/** Victims searched per diagnose run (each costs about log2(tests) + 3 runs). */
export const BISECT_LIMIT = 3;

export interface BisectOutcome {
  causes: Map<string, Cause[]>;
  warnings: string[];
}

/** `facts` and `diagnoses`: the run's, as the caller built them (once) for its document. */
export async function bisectUnexplained(
  opts: PytestOptions,
  messages: readonly Message[],
  facts: RunFacts,
  diagnoses: readonly Diagnosis[],
  onProgress?: (p: BisectProgress) => void,
  /** Indexes the test modules a run names and these tests' (the CLI indexes them late). */
  indexFor?: (messages: readonly Message[], nodeids: readonly string[]) => Promise<void>,
): Promise<BisectOutcome> {
  const out: BisectOutcome = { causes: new Map(), warnings: [] };
  const project = facts.project;
  const victims = diagnoses
    .filter((d) => d.causes.length === 0 && d.rootOf === null && d.failure.phase !== "teardown")
    .map((d) => d.nodeid);
  const runTests = pytestRunTests(opts);
  for (const victim of victims.slice(0, BISECT_LIMIT)) {
    const worker = facts.workers.get(victim) ?? "";
    const before = facts.order.filter((n) => n !== victim && (facts.position.get(n) ?? 0) < (facts.position.get(victim) ?? 0) && (facts.workers.get(n) ?? "") === worker);
    const r = await findPolluter(victim, before, runTests, { ...(opts.signal ? { signal: opts.signal } : {}), ...(onProgress ? { onProgress } : {}) });
    if (r.kind === "fails-alone") out.warnings.push(`${victim} fails when run alone too: not pollution from another test (1 extra run)`);
    else if (r.kind === "not-reproduced") out.warnings.push(`${victim} passed when re-run after the ${before.length} tests before it: no polluter to search for (${r.runs} extra runs)`);
    else if (r.kind === "no-result") out.warnings.push(`polluter search for ${victim} stopped: ${r.detail}`);
    else if (r.kind === "found") out.causes.set(victim, await confirm(opts, victim, r.polluter, r.runs, messages, project, indexFor));
  }
  if (victims.length > BISECT_LIMIT) out.warnings.push(`${victims.length - BISECT_LIMIT} more unexplained failures were not searched (at most ${BISECT_LIMIT} per run)`);
  return out;
}

/** One traced run of polluter then victim: its evidence (if any) says how the state leaked. */
async function confirm(
  opts: PytestOptions,
  victim: string,
  polluter: string,
  runs: number,
  all: readonly Message[],
  project: ProjectView | undefined,
  indexFor: ((messages: readonly Message[], nodeids: readonly string[]) => Promise<void>) | undefined,
): Promise<Cause[]> {
  const r = await run({ ...opts, args: serialArgs(opts.args ?? []), trace: true }, [polluter, victim]);
  await indexFor?.(r.messages, [polluter, victim]);
  const rootdir = r.messages.find((m): m is Extract<Message, { type: "hello" }> => m.type === "hello")?.rootdir ?? opts.cwd;
  const failures = r.messages.flatMap((m) => (m.type === "report" && m.outcome === "failed" && m.error && m.nodeid === victim ? [fromPluginError(m.nodeid, m.when, m.error, { projectRoot: rootdir })] : []));
  const how = failures.length ? (diagnose(r.messages, failures.slice(0, 1), project)[0]?.causes ?? []) : [];
  const def = project?.index.test(polluter);
  const where = def ? { file: path.relative(rootdir, path.join(project?.root ?? rootdir, def.file)).split(path.sep).join("/"), line: def.defLine + 1 } : testLocation(all, polluter, rootdir);
  const reproduced = failures.length > 0 ? `and again in a run of just the two` : `(a run of just the two did not fail again: the pollution may need more tests before it)`;
  const polluterCause: Cause = {
    kind: "polluter-test",
    ...where,
    symbol: polluter,
    evidence: `A polluter search by bisection (as detect-test-pollution does it, ${runs + 1} runs): ${victim} passes alone and fails when ${polluter} runs before it ${reproduced}. ${how.length ? "The two-test run's evidence says how (below)." : "No database write links them: the state it leaks is likely outside the database (a module global, a cache, an environment variable, a patch left in place)."}`,
    fixes: [],
    rank: 75,
  };
  return [polluterCause, ...how.filter((c) => c.kind !== "polluter-test")];
}

function testLocation(messages: readonly Message[], nodeid: string, rootdir: string): { file: string; line: number } {
  const c = messages.find((m): m is Extract<Message, { type: "collected" }> => m.type === "collected" && m.nodeid === nodeid);
  const file = c?.file ? path.relative(rootdir, path.resolve(rootdir, c.file)).split(path.sep).join("/") : (nodeid.split("::")[0] ?? nodeid);
  return { file, line: (c?.range?.line ?? 0) + 1 };
}
