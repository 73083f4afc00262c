// Turns a test's per-phase reports into what the Test Explorer shows: outcome, duration, and a
// failure message placed on the failing line with its stack and an expected/actual pair.
import * as path from "node:path";
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

const LIBRARY = /[\\/](site-packages|dist-packages|lib[\\/]python\d[\d.]*|_pytest|pluggy)[\\/]/;

/** A frame in the user's own code: under rootdir and not an installed library. */
export function isUserFrame(frame: Frame, rootdir: string): boolean {
  // Generated code ("<string>", "<frozen ...>") has no file to show.
  if (!path.isAbsolute(frame.file)) return false;
  const rel = path.relative(rootdir, frame.file);
  return !rel.startsWith("..") && !path.isAbsolute(rel) && !LIBRARY.test(frame.file);
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
  const stack = [...(r.error?.frames ?? [])].reverse();
  const user = stack.find((f) => isUserFrame(f, rootdir));
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
