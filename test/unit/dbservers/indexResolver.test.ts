// The project-index ConstraintResolver on the dbservers fixture project (no server needed).
import * as assert from "node:assert/strict";
import { parseDbError } from "../../../src/core/failures/dbMessage";
import { indexConstraintResolver, lookupInIndex } from "../../../src/core/failures/indexResolver";
import type { DbKind, Dialect } from "../../../src/core/failures/model";
import { resolveConstraint, type ConstraintQuery, type ConstraintResolver } from "../../../src/core/failures/resolve";
import { indexWorkspace, type ProjectIndex } from "../../../src/core/index";
import { PROJECT } from "./harness";

function q(kind: DbKind, fields: Partial<Omit<ConstraintQuery, "kind">> = {}): ConstraintQuery {
  return { kind, columns: [], ...fields };
}

describe("failures: index-backed constraint resolver", () => {
  let index: ProjectIndex;
  let resolver: ConstraintResolver;
  before(async function () {
    this.timeout(30_000);
    index = await indexWorkspace(PROJECT, { workers: 0 });
    resolver = indexConstraintResolver(index);
  });

  it("indexes the fixture's tables", () => {
    assert.deepEqual(index.tables().map((t) => t.name).sort(), ["accounts", "memberships", "posts", "users"]);
  });

  describe("PostgreSQL names", () => {
    const pg = (kind: DbKind, constraint: string): ConstraintQuery => q(kind, { dialect: "postgresql", constraint });
    it("unnamed unique=True column: <table>_<col>_key", async () => {
      assert.deepEqual(await resolver.resolve(pg("unique", "users_email_key")), { constraint: "users_email_key", table: "users", columns: ["email"] });
    });
    it("explicitly named composite UniqueConstraint", () => {
      assert.deepEqual(lookupInIndex(index, pg("unique", "uq_membership_org_user")), { constraint: "uq_membership_org_user", table: "memberships", columns: ["org", "user_name"] });
    });
    it("unnamed ForeignKey: <table>_<col>_fkey, with the parent side", () => {
      assert.deepEqual(lookupInIndex(index, pg("foreign-key", "posts_user_id_fkey")), {
        constraint: "posts_user_id_fkey",
        table: "posts",
        columns: ["user_id"],
        referencedTable: "users",
        referencedColumns: ["id"],
      });
    });
    it("named CheckConstraint: columns read from its SQL text", () => {
      assert.deepEqual(lookupInIndex(index, pg("check", "ck_accounts_balance_positive")), { constraint: "ck_accounts_balance_positive", table: "accounts", columns: ["balance"] });
    });
    it("primary keys: <table>_pkey", () => {
      assert.deepEqual(lookupInIndex(index, pg("unique", "users_pkey")), { constraint: "users_pkey", table: "users", columns: ["id"] });
    });
    it("unknown names and names of another kind give nothing", () => {
      assert.equal(lookupInIndex(index, pg("unique", "nope_key")), undefined);
      assert.equal(lookupInIndex(index, pg("foreign-key", "users_email_key")), undefined);
    });
  });

  describe("MySQL / MariaDB names", () => {
    const my = (kind: DbKind, constraint: string, table?: string): ConstraintQuery =>
      q(kind, { dialect: "mysql", constraint, ...(table ? { statementTable: table } : {}) });
    it("MariaDB's bare key name (the column), found through the statement's table", () => {
      assert.deepEqual(lookupInIndex(index, my("unique", "email", "users")), { constraint: "email", table: "users", columns: ["email"] });
    });
    it("MySQL 8's table-qualified key name", () => {
      assert.deepEqual(lookupInIndex(index, my("unique", "users.email")), { constraint: "users.email", table: "users", columns: ["email"] });
    });
    it("PRIMARY with the statement's table", () => {
      assert.deepEqual(lookupInIndex(index, my("unique", "PRIMARY", "posts")), { constraint: "PRIMARY", table: "posts", columns: ["id"] });
      assert.equal(lookupInIndex(index, my("unique", "PRIMARY")), undefined, "every table has one: no guess without the table");
    });
    it("<table>_ibfk_<n> foreign keys", () => {
      assert.deepEqual(lookupInIndex(index, my("foreign-key", "posts_ibfk_1")), {
        constraint: "posts_ibfk_1",
        table: "posts",
        columns: ["user_id"],
        referencedTable: "users",
        referencedColumns: ["id"],
      });
    });
  });

  describe("SQLite (unnamed keys, uniqueKeyFor)", () => {
    const lite = (kind: DbKind, table: string, columns: string[]): ConstraintQuery => q(kind, { dialect: "sqlite", table, columns });
    it("names a composite unique key from its columns, in any order", () => {
      assert.deepEqual(lookupInIndex(index, lite("unique", "memberships", ["user_name", "org"])), { constraint: "uq_membership_org_user", table: "memberships", columns: ["org", "user_name"] });
    });
    it("an unnamed unique=True column: the key is found, SQLite has no name for it", () => {
      assert.deepEqual(lookupInIndex(index, lite("unique", "users", ["email"])), { table: "users", columns: ["email"] });
      assert.equal(lookupInIndex(index, lite("unique", "users", ["name"])), undefined, "no unique key over name");
    });
    it("'FOREIGN KEY constraint failed': the table's only foreign key", () => {
      assert.deepEqual(lookupInIndex(index, q("foreign-key", { dialect: "sqlite", statementTable: "posts" })), {
        table: "posts",
        columns: ["user_id"],
        referencedTable: "users",
        referencedColumns: ["id"],
      });
    });
    it("end to end: a SQLite message resolved to the model's constraint name", async () => {
      const db = parseDbError("sqlalchemy.exc.IntegrityError", "(sqlite3.IntegrityError) UNIQUE constraint failed: memberships.org, memberships.user_name");
      assert.ok(db);
      const r = await resolveConstraint(db, [resolver]);
      assert.deepEqual([r.constraint, r.table, r.columns], ["uq_membership_org_user", "memberships", ["org", "user_name"]]);
      const fk = parseDbError(
        "sqlalchemy.exc.IntegrityError",
        "(sqlite3.IntegrityError) FOREIGN KEY constraint failed\n[SQL: INSERT INTO posts (user_id, title) VALUES (?, ?)]\n[parameters: (999, 'orphan')]",
      );
      assert.ok(fk);
      const rf = await resolveConstraint(fk, [resolver]);
      assert.deepEqual([rf.table, rf.columns, rf.referencedTable, rf.referencedColumns], ["posts", ["user_id"], "users", ["id"]]);
    });
  });

  it("without a dialect, any dialect's name is tried", () => {
    assert.equal(lookupInIndex(index, q("unique", { constraint: "users_email_key" }))?.table, "users");
    assert.equal(lookupInIndex(index, q("foreign-key", { constraint: "posts_ibfk_1" }))?.table, "posts");
  });

  it("NOT NULL: confirms the table and column (no constraint name exists)", () => {
    assert.deepEqual(lookupInIndex(index, q("not-null", { dialect: "postgresql" as Dialect, table: "users", columns: ["name"] })), { table: "users", columns: ["name"] });
    assert.equal(lookupInIndex(index, q("not-null", { table: "users", columns: ["nope"] })), undefined);
  });

  it("a getter source: no index yet means no answer", async () => {
    let current: ProjectIndex | undefined;
    const r = indexConstraintResolver(() => current);
    assert.equal(await r.resolve(q("unique", { constraint: "users_email_key" })), undefined);
    current = index;
    assert.equal((await r.resolve(q("unique", { constraint: "users_email_key" })))?.table, "users");
  });
});
