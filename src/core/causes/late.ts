// Failures a run could not explain when they ended. Under xdist the test that wrote the
// conflicting row may run in another worker and report after its victim, and the project index
// may be ready only later in the run: at the run's end both are known, so those failures are
// diagnosed again over the whole run's facts.
import type { Failure } from "../failures/model";
import type { RunFacts } from "./facts";
import { diagnoseFacts } from "./index";
import type { Diagnosis } from "./model";

export class Unexplained<K> {
  private waiting: Array<{ key: K; failure: Failure }> = [];

  add(key: K, failure: Failure): void {
    this.waiting.push({ key, failure });
  }

  get size(): number {
    return this.waiting.length;
  }

  /** Those the whole run now explains, each once; the rest are forgotten. */
  settle(facts: RunFacts): Array<{ key: K; diagnosis: Diagnosis }> {
    const waiting = this.waiting;
    this.waiting = [];
    const found = diagnoseFacts(
      facts,
      waiting.map((w) => w.failure),
    );
    return found.flatMap((diagnosis, i) => {
      const w = waiting[i];
      return w && diagnosis.causes.length > 0 ? [{ key: w.key, diagnosis }] : [];
    });
  }
}
