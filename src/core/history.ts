// Run history in the store: every run and each test's result with its normalized failures.
import type { Failure } from "./failures/model";
import type { Store } from "./store";
import { redact } from "./causes/redact";

export interface ResultRow {
  nodeid: string;
  outcome: string;
  durationMs: number;
  failures: Failure[];
}

export async function startRun(store: Store, root: string, at = new Date()): Promise<number> {
  return (await store.run("INSERT INTO runs (started_at, root) VALUES (?, ?)", [at.toISOString(), root])).lastID;
}

export async function recordResult(store: Store, runId: number, r: ResultRow): Promise<void> {
  const failed = r.outcome === "failed" || r.outcome === "errored";
  await store.run(
    `INSERT OR REPLACE INTO results (run_id, nodeid, outcome, duration_ms, failures) VALUES (?, ?, ?, ?, ?)`,
    // database URLs in messages and SQL parameters keep no password
    [runId, r.nodeid, r.outcome, r.durationMs, r.failures.length ? redact(JSON.stringify(r.failures)) : null],
  );
  await store.run(`UPDATE runs SET ${failed ? "failed = failed + 1" : "passed = passed + 1"} WHERE id = ?`, [runId]);
}

export async function endRun(store: Store, runId: number, at = new Date()): Promise<void> {
  await store.run("UPDATE runs SET ended_at = ? WHERE id = ?", [at.toISOString(), runId]);
}

/** Results of the latest run of `root`, with failures parsed back. */
export async function latestResults(store: Store, root: string): Promise<ResultRow[]> {
  const rows = await store.all<{ nodeid: string; outcome: string; duration_ms: number | null; failures: string | null }>(
    `SELECT nodeid, outcome, duration_ms, failures FROM results
     WHERE run_id = (SELECT MAX(id) FROM runs WHERE root = ?) ORDER BY nodeid`,
    [root],
  );
  return rows.map((r) => ({ nodeid: r.nodeid, outcome: r.outcome, durationMs: r.duration_ms ?? 0, failures: r.failures ? (JSON.parse(r.failures) as Failure[]) : [] }));
}
