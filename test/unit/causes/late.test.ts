// A failure unexplained when it ended (the writer's provenance not in yet: another xdist worker
// reports it later) is explained at the run's end, with what a diagnosis of the whole run gives.
import * as assert from "node:assert/strict";
import { addToRunFacts, diagnose, diagnoseFacts, emptyRunFacts } from "../../../src/core/causes";
import { Unexplained } from "../../../src/core/causes/late";
import type { Message } from "../../../src/core/protocol";
import { failuresOf, recordedRun, STACK_NAMES } from "./recorded";

const first = (d: { causes: Array<{ kind: string; file: string; line: number }> } | undefined): string => {
  const c = d?.causes[0];
  return c ? `${c.kind} ${c.file}:${c.line}` : "none";
};

describe("cause engine: failures explained at the run's end", () => {
  for (const stack of STACK_NAMES) {
    it(`${stack}: the polluters' provenance arriving after their victims' ends`, () => {
      const messages = recordedRun("commit_factory", stack);
      // as from another xdist worker: the polluters started first, their writes report later
      const late = (m: Message): boolean => m.type === "provenance" && m.nodeid.startsWith("tests/test_accounts.py::");
      const facts = emptyRunFacts();
      const waiting = new Unexplained<string>();
      const sofar: Message[] = [];
      for (const m of messages.filter((x) => !late(x))) {
        addToRunFacts(facts, m);
        sofar.push(m);
        if (m.type !== "finished" || m.outcome !== "failed") continue;
        const failure = failuresOf(sofar).find((f) => f.nodeid === m.nodeid);
        assert.ok(failure);
        const d = diagnoseFacts(facts, [failure])[0];
        if (!d || d.causes.length === 0) waiting.add(m.nodeid, failure);
      }
      assert.ok(waiting.size >= 1, `victims unexplained before the polluter reported: ${waiting.size}`);
      for (const m of messages.filter(late)) addToRunFacts(facts, m);
      const settled = waiting.settle(facts);
      assert.equal(waiting.size, 0);
      const whole = new Map(diagnose(messages, failuresOf(messages)).map((d) => [d.nodeid, d]));
      assert.equal(settled.length, 1);
      for (const { key, diagnosis } of settled) {
        assert.equal(first(diagnosis), first(whole.get(key)), key);
        assert.match(first(diagnosis), /factories\.py/, key);
      }
      assert.deepEqual(waiting.settle(facts), [], "each once");
    });
  }
});
