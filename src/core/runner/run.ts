// Running tests: every event goes to the caller as it arrives; the result keeps them all, so
// a cancelled or crashed run still has what was reported before it ended.
import type { Message } from "../protocol";
import { runPytestProcess, type ExitInfo, type PytestOptions, type RunnerEvent } from "./pytestProcess";

export type Finished = Extract<Message, { type: "finished" }>;

export interface RunResult {
  messages: Message[];
  /** nodeid → aggregated outcome, for the tests that finished. */
  outcomes: Map<string, Finished["outcome"]>;
  exit: ExitInfo;
}

/** nodeids: pytest node ids to run (empty: what the args select). */
export async function run(opts: PytestOptions, nodeids: readonly string[], onEvent?: (e: RunnerEvent) => void): Promise<RunResult> {
  const messages: Message[] = [];
  const outcomes = new Map<string, Finished["outcome"]>();
  const exit = await runPytestProcess(opts, nodeids, (e) => {
    if (e.type === "message") {
      messages.push(e.message);
      if (e.message.type === "finished") outcomes.set(e.message.nodeid, e.message.outcome);
    }
    onEvent?.(e);
  });
  return { messages, outcomes, exit };
}
