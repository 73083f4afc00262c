// Turns a test's per-phase reports into what the Test Explorer shows: outcome, duration, and a
// failure message placed on the failing line with its stack and an expected/actual pair.
import { findUserFrame } from "./failures/frames";
import type { Frame, Message } from "./protocol";

type Report = Extract<Message, { type: "report" }>;

export type TestOutcome = "passed" | "failed" | "errored" | "skipped";

export interface FailureMessage {
  text: string;
  location?: Frame; // where the message sits
  stack: Frame[]; // innermost first, as a debugger's call stack shows it
  expected?: string;
  actual?: string;
}

export interface TestResult {
  outcome: TestOutcome;
  durationMs: number;
  messages: FailureMessage[];
}

/** `assert 1 == 2` / `AssertionError: assert 'a' == 'b'` in pytest's report → the two sides. */
export function comparison(longrepr: string): { expected: string; actual: string } | undefined {
  const m = /^E\s+(?:AssertionError: )?assert (.+?) == (.+)$/m.exec(longrepr);
  if (!m?.[1] || !m[2]) return undefined;
  return { actual: m[1], expected: m[2] };
}

function messageOf(r: Report, rootdir: string): FailureMessage {
  const chain = r.error?.chain ?? [];
  // The chain is outermost first; the later links are what caused the first.
  const head = chain.length ? chain.map((c) => `${c.type}: ${c.message}`).join("\n\nCaused by ") : "";
  const text = r.when === "call" ? head || r.longrepr || "failed" : `error at ${r.when}: ${head || r.longrepr || "failed"}`;
  const frames = r.error?.frames ?? [];
  const stack = [...frames].reverse();
  const user = findUserFrame(frames, { projectRoot: rootdir });
  const location = user ?? r.location;
  const cmp = r.when === "call" && r.longrepr ? comparison(r.longrepr) : undefined;
  return { text: r.longrepr && !head ? r.longrepr : text, stack, ...(location ? { location } : {}), ...(cmp ?? {}) };
}

/** Folds the setup/call/teardown reports of one test into its result. */
export function foldReports(reports: readonly Report[], rootdir: string): TestResult {
  let outcome = "passed" as TestOutcome;
  let durationMs = 0;
  const messages: FailureMessage[] = [];
  for (const r of reports) {
    durationMs += r.duration * 1000;
    if (r.outcome === "failed") {
      // A failure outside the call is an error of the test's set-up or teardown, never a pass.
      outcome = r.when === "call" && outcome !== "errored" ? "failed" : "errored";
      messages.push(messageOf(r, rootdir));
    } else if (r.outcome === "skipped" && outcome === "passed") {
      outcome = "skipped";
    }
  }
  return { outcome, durationMs, messages };
}
