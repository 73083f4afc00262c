// What the cause engine says about a failing test: ranked causes, each with a location a user can
// open (file relative to the project root, 1-based line), one sentence of evidence, and the ids
// of the fixes that apply. Plain data: the CLI's JSON, the editor and the tests all read it.
import type { Failure } from "../failures/model";

export type CauseKind =
  | "factory-commits"
  | "constant-unique-value"
  | "random-unique-value"
  | "sequence-reset"
  | "persistent-database"
  | "fixture-no-isolation"
  | "test-commits"
  | "shared-session-state"
  | "wide-fixture-scope"
  | "polluter-test"
  | "pending-rollback-cascade"
  // reserved for the factories-vs-models checks
  | "unknown-model-field"
  | "missing-required-field"
  | "unknown-enum-member"
  | "dangling-foreign-key";

/** Fixes the editor can apply (see the issue "In the editor"). */
export type FixId =
  | "persistence-flush"
  | "sequence-unique-value"
  | "transactional-fixture"
  | "pysqlite-savepoint-fix"
  | "in-memory-database"
  | "rollback-after-error"
  | "remove-commit"
  | "per-call-session"
  | "reset-shared-session"
  // factories vs models (src/core/drift computes the edits)
  | "rename-model-field"
  | "add-required-field"
  | "replace-enum-member";

export interface Cause {
  kind: CauseKind;
  file: string; // relative to the project root, "/"-separated
  line: number; // 1-based
  symbol: string; // factory / fixture / test nodeid / engine URL
  evidence: string;
  fixes: FixId[];
  /** Higher is more direct; causes are sorted by it. */
  rank: number;
}

export interface Diagnosis {
  nodeid: string;
  failure: Failure;
  causes: Cause[];
  /** For a follow-on error: the test where the original error happened (it may have passed). */
  rootOf: string | null;
}
