// Recorded runs of the example projects (record.py): the plugin's messages, provenance included,
// with the project folder written as /project. The engine's tests need no Python.
import * as fs from "node:fs";
import * as path from "node:path";
import { diagnose, type Diagnosis } from "../../../src/core/causes";
import { fromPluginError } from "../../../src/core/failures/plugin";
import { indexWorkspace } from "../../../src/core/index";
import type { Failure } from "../../../src/core/failures/model";
import type { Message } from "../../../src/core/protocol";
import { repoRoot } from "../../util";

export const STACK_NAMES = ["legacy", "modern"] as const;

export function recordedRun(project: string, stack: string, run = 0): Message[] {
  const file = path.join(repoRoot(), "test", "unit", "causes", "recorded", `${project}-${stack}.json`);
  const data = JSON.parse(fs.readFileSync(file, "utf8")) as { runs: Message[][] };
  const messages = data.runs[run];
  if (!messages) throw new Error(`${file} has no run ${run}`);
  return messages;
}

/** The failures of a run, from its reports' error data (as the runner builds them). */
export function failuresOf(messages: readonly Message[]): Failure[] {
  const out: Failure[] = [];
  for (const m of messages) {
    if (m.type === "report" && m.outcome === "failed" && m.error) out.push(fromPluginError(m.nodeid, m.when, m.error, { projectRoot: "/project" }));
  }
  return out;
}

export function diagnoseRecorded(project: string, stack: string, run = 0): Map<string, Diagnosis> {
  const messages = recordedRun(project, stack, run);
  return new Map(diagnose(messages, failuresOf(messages)).map((d) => [d.nodeid, d]));
}

/** The same, with the project's static index (built from the example project's folder). */
export async function diagnoseRecordedWithIndex(project: string, stack: string, run = 0): Promise<Map<string, Diagnosis>> {
  const messages = recordedRun(project, stack, run);
  const index = await indexWorkspace(path.join(repoRoot(), "test", "fixtures", "projects", project), { workers: 0 });
  return new Map(diagnose(messages, failuresOf(messages), { index, root: "/project" }).map((d) => [d.nodeid, d]));
}
