// A failure that is drift between factories and models (an unknown keyword, a NOT NULL or
// FOREIGN KEY the factory never fills, a renamed enum member): the static finding that explains
// it comes first. Needs the project index.
import { driftCauses } from "../../drift/fromFailure";
import type { Failure } from "../../failures/model";
import type { RunFacts } from "../facts";
import type { Cause } from "../model";
import { indexFile } from "../statics";

export function driftRule(facts: RunFacts, failure: Failure): Cause[] {
  if (!facts.project) return [];
  return driftCauses(facts.project.index, failure).map((c) => ({ ...c, file: indexFile(facts, c.file) }));
}
