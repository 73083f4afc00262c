// Turns a test's per-phase reports into what the Test Explorer shows: outcome, duration, and a
// failure message placed on the failing line with its stack and an expected/actual pair.
import { findUserFrame } from "./failures/frames";
import type { DbFailure, Failure } from "./failures/model";
import { fromPluginError } from "./failures/plugin";
import { describeDb } from "./report";
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
  /** The normalized failures of the failed phases that carried error data. */
  failures: Failure[];
}

/** The first line of a database failure's message: what broke, in the model's terms. */
export function dbHeadline(db: DbFailure): string {
  if (db.kind === "pending-rollback" && db.original) {
    return `Session needs a rollback: an earlier error in it was never rolled back (${describeDb(db.original)})`;
  }
  return `Database: ${describeDb(db)}`;
}

/** `assert 1 == 2` / `AssertionError: assert 'a' == 'b'` in pytest's report → the two sides. */
export function comparison(longrepr: string): { expected: string; actual: string } | undefined {
  const m = /^E\s+(?:AssertionError: )?assert (.+?) == (.+)$/m.exec(longrepr);
  if (!m?.[1] || !m[2]) return undefined;
  return { actual: m[1], expected: m[2] };
}

function messageOf(r: Report, rootdir: string, failure: Failure | undefined): FailureMessage {
  const chain = r.error?.chain ?? [];
  // The chain is outermost first; the later links are what caused the first.
  const head = chain.length ? chain.map((c) => `${c.type}: ${c.message}`).join("\n\nCaused by ") : "";
  const text = r.when === "call" ? head || r.longrepr || "failed" : `error at ${r.when}: ${head || r.longrepr || "failed"}`;
  const frames = r.error?.frames ?? [];
  const stack = [...frames].reverse();
  const user = findUserFrame(frames, { projectRoot: rootdir });
  const location = user ?? r.location;
  const cmp = r.when === "call" && r.longrepr ? comparison(r.longrepr) : undefined;
  const body = r.longrepr && !head ? r.longrepr : text;
  const withDb = failure?.db ? `${dbHeadline(failure.db)}\n\n${body}` : body;
  return { text: withDb, stack, ...(location ? { location } : {}), ...(cmp ?? {}) };
}

type Finished = Extract<Message, { type: "finished" }>;

/** Folds the setup/call/teardown reports of one test into its result. The duration is its
 * `finished` message's when given: a quiet passing phase sends no report (protocol.ts). */
export function foldReports(reports: readonly Report[], rootdir: string, finished?: Finished): TestResult {
  let outcome = "passed" as TestOutcome;
  let durationMs = 0;
  const messages: FailureMessage[] = [];
  const failures: Failure[] = [];
  for (const r of reports) {
    durationMs += r.duration * 1000;
    if (r.outcome === "failed") {
      // A failure outside the call is an error of the test's set-up or teardown, never a pass.
      outcome = r.when === "call" && outcome !== "errored" ? "failed" : "errored";
      const failure = r.error ? fromPluginError(r.nodeid, r.when, r.error, { projectRoot: rootdir }) : undefined;
      if (failure) failures.push(failure);
      messages.push(messageOf(r, rootdir, failure));
    } else if (r.outcome === "skipped" && outcome === "passed") {
      outcome = "skipped";
    }
  }
  if (finished !== undefined) durationMs = finished.duration * 1000;
  return { outcome, durationMs, messages, failures };
}
