// Facts built as messages arrive (the editor's RunReporter) against facts built from the whole
// list: each failure, diagnosed when its test finishes, gets what a batch over the messages so
// far would give, and the facts at the end are the batch's.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { addToRunFacts, diagnose, diagnoseFacts, emptyRunFacts, runFacts } from "../../../src/core/causes";
import { indexWorkspace } from "../../../src/core/index";
import type { Message } from "../../../src/core/protocol";
import { repoRoot } from "../../util";
import { failuresOf, recordedRun, STACK_NAMES } from "./recorded";

const PROJECTS = fs.readdirSync(path.join(repoRoot(), "test", "unit", "causes", "recorded")).flatMap((f) => (f.endsWith("-legacy.json") ? [f.replace(/-legacy\.json$/, "")] : []));

function replay(messages: readonly Message[], project?: Parameters<typeof runFacts>[1]): number {
  const facts = emptyRunFacts(project);
  const sofar: Message[] = [];
  let checked = 0;
  for (const m of messages) {
    addToRunFacts(facts, m);
    sofar.push(m);
    if (m.type !== "finished" || (m.outcome !== "failed" && m.outcome !== "errored")) continue;
    const failure = failuresOf(sofar).find((f) => f.nodeid === m.nodeid);
    if (!failure) continue;
    assert.deepEqual(diagnoseFacts(facts, [failure]), diagnose(sofar, [failure], project), m.nodeid);
    checked++;
  }
  assert.deepEqual(facts, runFacts(messages, project));
  return checked;
}

describe("cause engine: facts built message by message", function () {
  this.timeout(60_000);

  it("diagnose each failure as a batch over the messages so far would, on every recorded run", () => {
    let checked = 0;
    for (const project of PROJECTS) {
      for (const stack of STACK_NAMES) {
        for (const run of [0, 1]) {
          let messages: Message[];
          try {
            messages = recordedRun(project, stack, run);
          } catch {
            continue; // a project recorded with one run
          }
          checked += replay(messages);
        }
      }
    }
    assert.ok(checked > 10, `only ${checked} failures replayed`);
  });

  it("the same with the project index (the value and session rules)", async () => {
    for (const project of ["unique_values", "shared_session"]) {
      const index = await indexWorkspace(path.join(repoRoot(), "test", "fixtures", "projects", project), { workers: 0 });
      for (const stack of STACK_NAMES) assert.ok(replay(recordedRun(project, stack), { index, root: "/project" }) > 0, `${project} ${stack}`);
    }
  });
});
