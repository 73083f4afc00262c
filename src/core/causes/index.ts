// The cause engine: from one run's messages (provenance included) and its normalized failures
// to ranked causes per failing test. Every cause stands on evidence from this run.
import type { Failure } from "../failures/model";
import type { Message } from "../protocol";
import { runFacts, type RunFacts } from "./facts";
import type { Cause, Diagnosis } from "./model";
import { cascadeCauses, rootOf } from "./rules/cascade";
import { conflictCauses } from "./rules/conflict";
import { leakedRowCauses } from "./rules/leakedRows";
import { valueCauses } from "./rules/values";
import { driftRule } from "./rules/drift";
import type { ProjectView } from "./statics";

export type { Cause, CauseKind, Diagnosis, FixId } from "./model";
export { addToRunFacts, emptyRunFacts, runFacts, type RunFacts } from "./facts";
export type { ProjectView } from "./statics";

const RULES: Array<(facts: RunFacts, failure: Failure) => Cause[]> = [driftRule, cascadeCauses, conflictCauses, leakedRowCauses, valueCauses];

/** Same kind at the same place once, with its best rank. */
function dedupe(causes: readonly Cause[]): Cause[] {
  const best = new Map<string, Cause>();
  for (const c of causes) {
    const key = `${c.kind}|${c.file}|${c.line}|${c.symbol}`;
    const seen = best.get(key);
    if (!seen || c.rank > seen.rank) best.set(key, c);
  }
  return [...best.values()].sort((a, b) => b.rank - a.rank);
}

/** `project`: the static index of the folder pytest ran in (optional; some rules need it). */
export function diagnose(messages: readonly Message[], failures: readonly Failure[], project?: ProjectView): Diagnosis[] {
  return diagnoseFacts(runFacts(messages, project), failures);
}

/** The same over facts built once for the run (several diagnoses of one run share them). */
export function diagnoseFacts(facts: RunFacts, failures: readonly Failure[]): Diagnosis[] {
  return failures.map((failure) => ({
    nodeid: failure.nodeid,
    failure,
    causes: dedupe(RULES.flatMap((rule) => rule(facts, failure))),
    rootOf: rootOf(facts, failure)?.nodeid ?? null,
  }));
}
