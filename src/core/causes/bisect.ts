// The fallback when a failure has no database evidence: a polluter search by bisection, as
// detect-test-pollution does it. The victim must pass alone and fail after the tests that ran
// before it; then halves of those tests are run before it until one test is left.
// Runs go through `runTests` (the caller's runner), so this module stays pure.

export type Verdict = "passed" | "failed" | "missing";

/** Runs exactly these tests in this order and says how the last one (the victim) did. */
export type RunTests = (nodeids: readonly string[], signal?: AbortSignal) => Promise<Verdict>;

export interface BisectProgress {
  victim: string;
  candidates: number;
  run: number; // runs so far
  expectedRuns: number; // about log2(candidates) + 2
}

export type BisectResult =
  | { kind: "found"; polluter: string; runs: number }
  | { kind: "fails-alone"; runs: number } // not pollution: the test fails by itself
  | { kind: "not-reproduced"; runs: number } // passes even after every earlier test (order, xdist, flakiness)
  | { kind: "cancelled"; runs: number }
  | { kind: "no-result"; runs: number; detail: string }; // the victim did not run (collection, crash)

export interface BisectOptions {
  signal?: AbortSignal;
  onProgress?: (p: BisectProgress) => void;
}

export async function findPolluter(victim: string, before: readonly string[], runTests: RunTests, options: BisectOptions = {}): Promise<BisectResult> {
  const { signal, onProgress } = options;
  let runs = 0;
  let candidates = before.filter((n) => n !== victim);
  const expectedRuns = Math.ceil(Math.log2(Math.max(candidates.length, 1))) + 2;
  const step = async (ids: readonly string[]): Promise<Verdict | "cancelled"> => {
    if (signal?.aborted) return "cancelled";
    onProgress?.({ victim, candidates: candidates.length, run: runs, expectedRuns });
    runs++;
    const v = await runTests([...ids, victim], signal);
    return signal?.aborted ? "cancelled" : v;
  };
  const alone = await step([]);
  if (alone === "cancelled") return { kind: "cancelled", runs };
  if (alone === "missing") return { kind: "no-result", runs, detail: `${victim} did not run` };
  if (alone === "failed") return { kind: "fails-alone", runs };
  if (candidates.length === 0) return { kind: "not-reproduced", runs };
  const all = await step(candidates);
  if (all === "cancelled") return { kind: "cancelled", runs };
  if (all === "missing") return { kind: "no-result", runs, detail: `${victim} did not run after the ${candidates.length} tests before it` };
  if (all === "passed") return { kind: "not-reproduced", runs };
  while (candidates.length > 1) {
    const half = candidates.slice(0, Math.ceil(candidates.length / 2));
    const v = await step(half);
    if (v === "cancelled") return { kind: "cancelled", runs };
    if (v === "missing") return { kind: "no-result", runs, detail: `${victim} did not run` };
    candidates = v === "failed" ? half : candidates.slice(half.length);
  }
  const polluter = candidates[0];
  return polluter === undefined ? { kind: "not-reproduced", runs } : { kind: "found", polluter, runs };
}
