// Run history in the store: every run and each test's result with its normalized failures, its
// causes and its place in the run's order; what the editor reads back after a reload, and the
// flakiness and order dependence of a test over its last runs.
import type { Cause } from "./causes/model";
import type { Failure } from "./failures/model";
import type { Store } from "./store";
import { redact } from "./causes/redact";

export interface ResultRow {
  nodeid: string;
  outcome: string;
  durationMs: number;
  failures: Failure[];
  causes?: Cause[];
  rootOf?: string;
  /** Run by an xdist worker: its place in the run's finish order says nothing of what ran before it. */
  worker?: string;
}

export async function startRun(store: Store, root: string, at = new Date()): Promise<number> {
  return (await store.run("INSERT INTO runs (started_at, root) VALUES (?, ?)", [at.toISOString(), root])).lastID;
}

/** Causes may stay secret-free: URLs in them lose their passwords like failures do. */
const json = (v: unknown[] | undefined): string | null => (v && v.length ? redact(JSON.stringify(v)) : null);

export async function recordResult(store: Store, runId: number, r: ResultRow): Promise<void> {
  const failed = r.outcome === "failed" || r.outcome === "errored";
  await store.run(
    `INSERT OR REPLACE INTO results (run_id, nodeid, outcome, duration_ms, failures, causes, root_of, seq)
     VALUES (?, ?, ?, ?, ?, ?, ?, CASE WHEN ? THEN NULL ELSE (SELECT COUNT(*) FROM results WHERE run_id = ?) END)`,
    // database URLs in messages and SQL parameters keep no password
    [runId, r.nodeid, r.outcome, r.durationMs, json(r.failures), json(r.causes), r.rootOf ?? null, r.worker ? 1 : 0, runId],
  );
  await store.run(`UPDATE runs SET ${failed ? "failed = failed + 1" : "passed = passed + 1"} WHERE id = ?`, [runId]);
}

/** Causes found after the result was recorded (at the run's end). */
export async function recordCauses(store: Store, runId: number, nodeid: string, causes: Cause[], rootOf: string | null): Promise<void> {
  await store.run("UPDATE results SET causes = ?, root_of = ? WHERE run_id = ? AND nodeid = ?", [json(causes), rootOf, runId, nodeid]);
}

export async function endRun(store: Store, runId: number, at = new Date()): Promise<void> {
  await store.run("UPDATE runs SET ended_at = ? WHERE id = ?", [at.toISOString(), runId]);
}

type Row = { nodeid: string; outcome: string; duration_ms: number | null; failures: string | null; causes: string | null; root_of: string | null };

function toResult(r: Row): ResultRow {
  return {
    nodeid: r.nodeid,
    outcome: r.outcome,
    durationMs: r.duration_ms ?? 0,
    failures: r.failures ? (JSON.parse(r.failures) as Failure[]) : [],
    ...(r.causes ? { causes: JSON.parse(r.causes) as Cause[] } : {}),
    ...(r.root_of ? { rootOf: r.root_of } : {}),
  };
}

/** Results of the latest run of `root`, with failures parsed back. */
export async function latestResults(store: Store, root: string): Promise<ResultRow[]> {
  const rows = await store.all<Row>(
    `SELECT nodeid, outcome, duration_ms, failures, causes, root_of FROM results
     WHERE run_id = (SELECT MAX(id) FROM runs WHERE root = ?) ORDER BY nodeid`,
    [root],
  );
  return rows.map(toResult);
}

/** Each test's latest result with causes, over the last `runs` runs of `root` (a partial run
 * leaves the others' results standing): what the editor shows again after a reload. */
export async function standingCauses(store: Store, root: string, runs = 20): Promise<ResultRow[]> {
  const rows = await store.all<Row>(
    `SELECT r.nodeid, r.outcome, r.duration_ms, r.failures, r.causes, r.root_of FROM results r
     JOIN (SELECT nodeid, MAX(run_id) AS run_id FROM results
           WHERE run_id IN (SELECT id FROM runs WHERE root = ? ORDER BY id DESC LIMIT ?) GROUP BY nodeid) last
       ON last.nodeid = r.nodeid AND last.run_id = r.run_id
     WHERE r.causes IS NOT NULL ORDER BY r.nodeid`,
    [root, runs],
  );
  return rows.map(toResult);
}

export interface TestHistory {
  runs: number;
  failed: number;
  /** A test that ran before this one in every run it failed and in none it passed. */
  alwaysAfter?: string;
}

/** A test's last `limit` results: how often it failed, and whether failing follows another test. */
export async function testHistory(store: Store, root: string, nodeid: string, limit = 10): Promise<TestHistory> {
  const mine = await store.all<{ run_id: number; outcome: string; seq: number | null; causes: string | null; root_of: string | null }>(
    `SELECT r.run_id, r.outcome, r.seq, r.causes, r.root_of FROM results r JOIN runs ON runs.id = r.run_id
     WHERE runs.root = ? AND r.nodeid = ? AND r.outcome != 'skipped' ORDER BY r.run_id DESC LIMIT ?`,
    [root, nodeid, limit],
  );
  const failedRuns = mine.filter((m) => m.outcome === "failed" || m.outcome === "errored");
  const out: TestHistory = { runs: mine.length, failed: failedRuns.length };
  const passedRuns = mine.filter((m) => m.outcome === "passed");
  // runs recorded before the order was kept cannot say what ran before
  // runs without an order (recorded before it was kept, or from xdist workers) cannot say what ran before
  const failedOrdered = failedRuns.filter((m) => m.seq !== null);
  const passedOrdered = passedRuns.filter((m) => m.seq !== null);
  if (failedOrdered.length < 2 || passedOrdered.length === 0) return out;
  const before = async (m: { run_id: number; seq: number | null }) =>
    new Set((await store.all<{ nodeid: string }>("SELECT nodeid FROM results WHERE run_id = ? AND seq < ?", [m.run_id, m.seq ?? 0])).map((r) => r.nodeid));
  let common: Set<string> | undefined;
  for (const m of failedOrdered) {
    const b = await before(m);
    common = common ? new Set([...common].filter((x) => b.has(x))) : b;
  }
  for (const m of passedOrdered) for (const x of await before(m)) common?.delete(x);
  // of the tests always run before, the one the failures' causes named (the polluter) says most
  const named = new Map<string, number>();
  for (const m of failedOrdered) {
    const causes = m.causes ? (JSON.parse(m.causes) as Cause[]) : [];
    for (const x of [m.root_of, ...causes.map((c) => c.symbol)]) if (x && common?.has(x)) named.set(x, (named.get(x) ?? 0) + 1);
  }
  const [first] = [...(common ?? [])].sort((a, b) => (named.get(b) ?? 0) - (named.get(a) ?? 0) || a.localeCompare(b));
  return first ? { ...out, alwaysAfter: first } : out;
}

export interface UnsteadyTest extends TestHistory {
  nodeid: string;
}

/** The tests of `root` that both passed and failed over their last `limit` results (flaky or
 * order-dependent), at most `most` of them, most failing first: one query for the whole suite,
 * run after every run of 10,000 tests. The first `detailed` also get the test they always fail
 * after (a few queries each). */
export async function unsteadyTests(store: Store, root: string, limit = 10, most = 200, detailed = 20): Promise<UnsteadyTest[]> {
  const rows = await store.all<{ nodeid: string; runs: number; failed: number }>(
    `SELECT nodeid, count(*) AS runs, sum(outcome IN ('failed', 'errored')) AS failed FROM (
       SELECT r.nodeid, r.outcome, ROW_NUMBER() OVER (PARTITION BY r.nodeid ORDER BY r.run_id DESC) AS k
       FROM results r WHERE r.outcome != 'skipped'
         AND r.run_id IN (SELECT id FROM runs WHERE root = ? ORDER BY id DESC LIMIT ?))
     WHERE k <= ? GROUP BY nodeid HAVING failed > 0 AND failed < runs
     ORDER BY failed DESC, nodeid LIMIT ?`,
    [root, limit * 20, limit, most],
  );
  const out: UnsteadyTest[] = [];
  for (const [i, r] of rows.entries()) out.push(i < detailed ? { nodeid: r.nodeid, ...(await testHistory(store, root, r.nodeid, limit)) } : r);
  return out;
}

export interface CauseHistory {
  cause: Cause;
  /** Runs it appeared in, failing tests it explained over them, the last run's start. */
  runs: number;
  tests: string[];
  lastSeen: string;
}

/** Every cause of the last `runs` runs of `root`, keyed by kind and place (for the Leaks view and hovers). */
export async function causeHistory(store: Store, root: string, runs = 50): Promise<CauseHistory[]> {
  const rows = await store.all<{ run_id: number; nodeid: string; causes: string; started_at: string }>(
    `SELECT r.run_id, r.nodeid, r.causes, runs.started_at FROM results r JOIN runs ON runs.id = r.run_id
     WHERE runs.root = ? AND r.causes IS NOT NULL AND r.run_id IN (SELECT id FROM runs WHERE root = ? ORDER BY id DESC LIMIT ?)`,
    [root, root, runs],
  );
  const byKey = new Map<string, { cause: Cause; runs: Set<number>; tests: Set<string>; lastSeen: string }>();
  for (const r of rows) {
    for (const c of JSON.parse(r.causes) as Cause[]) {
      const key = `${c.kind}|${c.file}|${c.line}|${c.symbol}`;
      const e = byKey.get(key) ?? { cause: c, runs: new Set<number>(), tests: new Set<string>(), lastSeen: r.started_at };
      e.runs.add(r.run_id);
      e.tests.add(r.nodeid);
      if (r.started_at > e.lastSeen) e.lastSeen = r.started_at;
      byKey.set(key, e);
    }
  }
  return [...byKey.values()].map((e) => ({ cause: e.cause, runs: e.runs.size, tests: [...e.tests].sort(), lastSeen: e.lastSeen })).sort((a, b) => b.lastSeen.localeCompare(a.lastSeen) || b.tests.length - a.tests.length);
}
