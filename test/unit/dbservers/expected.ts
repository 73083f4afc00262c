// What the fixture project (test/fixtures/dbservers/project) must produce on each server, and
// the normalized fields the plugin, text and junit paths are compared on. Shared by the live
// server test (parity.test.ts) and the saved-sample test (../failures/serverSamples.test.ts).
import type { DbFailure, Failure } from "../../../src/core/failures/model";
import { resolveConstraint, type ConstraintResolver } from "../../../src/core/failures/resolve";
import type { ServerKind } from "./servers";
export const T = "tests/test_db.py::";

/** The fields that matter, for comparing sources and stating what is right. */
export interface Facts {
  kind: string;
  dialect?: string;
  driver?: string;
  constraint?: string;
  table?: string;
  columns: string[];
  values?: string[];
  code?: string;
  errno?: number;
  referencedTable?: string;
  original?: Facts;
}

export function facts(db: DbFailure | undefined): Facts | undefined {
  if (!db) return undefined;
  const f: Facts = { kind: db.kind, columns: [...db.columns] };
  if (db.dialect !== undefined) f.dialect = db.dialect;
  if (db.driver !== undefined) f.driver = db.driver;
  if (db.constraint !== undefined) f.constraint = db.constraint;
  if (db.table !== undefined) f.table = db.table;
  if (db.values !== undefined) f.values = [...db.values];
  if (db.code !== undefined) f.code = db.code;
  if (db.errno !== undefined) f.errno = db.errno;
  if (db.referencedTable !== undefined) f.referencedTable = db.referencedTable;
  const o = facts(db.original);
  if (o) f.original = o;
  return f;
}

export type Expected = Record<string, Facts>;

export function expected(kind: ServerKind): Expected {
  if (kind === "postgresql") {
    const pg = { dialect: "postgresql", driver: "psycopg2", code: "gkpj" };
    const email = { ...pg, kind: "unique", constraint: "users_email_key", table: "users", columns: ["email"], values: ["alice@example.com"] };
    return {
      "test_second_user|call": email,
      "test_admin_setup|setup": email,
      "test_composite_unique|call": { ...pg, kind: "unique", constraint: "uq_membership_org_user", table: "memberships", columns: ["org", "user_name"], values: ["acme", "bob"] },
      "test_not_null|call": { ...pg, kind: "not-null", table: "users", columns: ["name"] },
      "test_foreign_key|call": { ...pg, kind: "foreign-key", constraint: "posts_user_id_fkey", table: "posts", columns: ["user_id"], values: ["999"], referencedTable: "users" },
      "test_check|call": { ...pg, kind: "check", constraint: "ck_accounts_balance_positive", table: "accounts", columns: ["balance"] },
      "TestShared::test_symptom|call": {
        ...pg,
        kind: "pending-rollback",
        code: "7s2a",
        columns: [],
        original: { ...email, values: ["dup@example.com"] },
      },
    };
  }
  const my = { dialect: "mysql", driver: "pymysql", code: "gkpj" };
  const email = { ...my, kind: "unique", constraint: "email", table: "users", columns: ["email"], values: ["alice@example.com"], errno: 1062 };
  return {
    "test_second_user|call": email,
    "test_admin_setup|setup": email,
    // MySQL joins a composite key's values with "-"
    "test_composite_unique|call": { ...my, kind: "unique", constraint: "uq_membership_org_user", table: "memberships", columns: ["org", "user_name"], values: ["acme-bob"], errno: 1062 },
    "test_not_null|call": { ...my, kind: "not-null", table: "users", columns: ["name"], errno: 1048 },
    "test_foreign_key|call": { ...my, kind: "foreign-key", constraint: "posts_ibfk_1", table: "posts", columns: ["user_id"], referencedTable: "users", errno: 1452 },
    // MariaDB: ER_CONSTRAINT_FAILED (4025), raised as OperationalError
    "test_check|call": { ...my, kind: "check", constraint: "ck_accounts_balance_positive", table: "accounts", columns: ["balance"], code: "e3q8", errno: 4025 },
    "TestShared::test_symptom|call": { ...my, kind: "pending-rollback", code: "7s2a", columns: [], original: { ...email, values: ["dup@example.com"] } },
  };
}

/** Before resolution the sources agree too, plus SQLSTATE (the text names psycopg2's class). */
export function rawFacts(db: DbFailure | undefined): unknown {
  const f = facts(db);
  if (!f || !db) return undefined;
  return { ...f, sqlstate: db.sqlstate, message: db.message, detail: db.detail, statementTable: db.statementTable, original: rawFacts(db.original) };
}

/** Where each source says the user's code was (file, 0-based line, function). */
export function frameOf(f: Failure | undefined): string {
  const u = f?.userFrame;
  return u ? `${u.file}:${u.line} ${u.function}` : "(none)";
}


/** "test_check|call": the nodeid without the file, and the phase. */
export const key = (f: Failure): string => f.nodeid.replace(T, "") + "|" + f.phase;
export const byKey = (fs: readonly Failure[]): Map<string, Failure> => new Map(fs.map((f) => [key(f), f]));

/** Facts per test after filling gaps through the resolvers (the project index). */
export async function resolveAll(fs: readonly Failure[], resolvers: readonly ConstraintResolver[]): Promise<Map<string, Facts | undefined>> {
  const out = new Map<string, Facts | undefined>();
  for (const f of fs) out.set(key(f), facts(f.db ? await resolveConstraint(f.db, resolvers) : undefined));
  return out;
}
