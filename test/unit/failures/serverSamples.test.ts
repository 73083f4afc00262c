// Real PostgreSQL 15 and MariaDB 10.11 output (samples/pg-*, samples/mariadb-*, produced by
// test/unit/dbservers/parity.test.ts with OTD_WRITE_SAMPLES=1; see samples/README.md): the
// plugin's report data, the terminal text and junit XML of the dbservers fixture project, on
// both Python stacks. Runs without servers.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseDbError } from "../../../src/core/failures/dbMessage";
import { groupFailures } from "../../../src/core/failures/group";
import { indexConstraintResolver } from "../../../src/core/failures/indexResolver";
import { parseJunitXml } from "../../../src/core/failures/junit";
import type { Failure } from "../../../src/core/failures/model";
import { fromPluginError } from "../../../src/core/failures/plugin";
import type { ConstraintResolver } from "../../../src/core/failures/resolve";
import { statementInfo } from "../../../src/core/failures/sql";
import { parsePytestText } from "../../../src/core/failures/text";
import { indexWorkspace } from "../../../src/core/index";
import type { Message } from "../../../src/core/protocol";
import { byKey, expected, frameOf, key, rawFacts, resolveAll } from "../dbservers/expected";
import { repoRoot } from "../../util";

const dir = path.join(repoRoot(), "test", "unit", "failures", "samples");
const read = (name: string): string => fs.readFileSync(path.join(dir, name), "utf8");
// the samples have the repository root replaced by /repo
const ROOTDIR = "/repo/test/fixtures/dbservers/project";

function pluginFailures(name: string): Failure[] {
  return read(name)
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Extract<Message, { type: "report" }>)
    .map((m) => fromPluginError(m.nodeid, m.when, m.error ?? { chain: [], frames: [] }));
}

/** Only the "short test summary info" part of a run: what a CI log cut to its tail shows. */
function summaryOnly(text: string): string {
  const at = text.indexOf("= short test summary info =");
  return text.slice(text.lastIndexOf("\n", at) + 1);
}

describe("failures: real database server samples", () => {
  let resolvers: ConstraintResolver[] = [];
  before(async function () {
    this.timeout(30_000);
    resolvers = [indexConstraintResolver(await indexWorkspace(path.join(repoRoot(), "test", "fixtures", "dbservers", "project"), { workers: 0 }))];
  });

  for (const server of ["postgresql", "mariadb"] as const) {
    const short = server === "postgresql" ? "pg" : "mariadb";
    for (const stack of ["legacy", "modern"]) {
      const prefix = `${short}-${stack}`;
      describe(`${server}, ${stack} stack`, () => {
        const want = expected(server);
        const sources: Record<string, () => Failure[]> = {
          plugin: () => pluginFailures(`${prefix}-plugin.jsonl`),
          text: () => parsePytestText(read(`${prefix}-tb-long.txt`)),
          junit: () => parseJunitXml(read(`${prefix}-junit-xunit2.xml`), { rootdir: ROOTDIR }),
        };
        for (const [name, get] of Object.entries(sources)) {
          it(`${name}: every designed failure, right after resolving through the project index`, async () => {
            const fsx = get();
            assert.deepEqual([...byKey(fsx).keys()].sort(), Object.keys(want).sort());
            const got = await resolveAll(fsx, resolvers);
            for (const [k, w] of Object.entries(want)) assert.deepEqual(got.get(k), w, `${name} ${k}`);
          });
        }
        it("text and junit agree with the plugin before resolution, user frames included", () => {
          const p = byKey(sources["plugin"]?.() ?? []);
          for (const src of ["text", "junit"]) {
            for (const f of sources[src]?.() ?? []) {
              assert.deepEqual(rawFacts(f.db), rawFacts(p.get(key(f))?.db), `${src} ${key(f)}`);
              assert.equal(frameOf(f), frameOf(p.get(key(f))), `${src} frame ${key(f)}`);
            }
          }
        });
        it("summary lines alone (cut with '...') still give each failure's kind", () => {
          const fsx = parsePytestText(summaryOnly(read(`${prefix}-tb-long.txt`)));
          assert.deepEqual([...byKey(fsx).keys()].sort(), Object.keys(want).sort());
          for (const f of fsx) {
            assert.equal(f.source, "summary");
            assert.equal(f.db?.kind, want[key(f)]?.kind, key(f));
            // a PendingRollbackError's line is cut long before "Original exception was:" names the driver
            if (f.db?.kind !== "pending-rollback") assert.equal(f.db?.driver, want[key(f)]?.driver, key(f));
            assert.equal(f.truncated, true, key(f));
          }
        });
        it("the PendingRollbackError is grouped on its own, under the original unique violation", () => {
          const groups = groupFailures(sources["plugin"]?.() ?? []);
          const g = groups.find((x) => x.symptoms.length > 0);
          assert.ok(g);
          assert.equal(g.cause, undefined, "the test that broke the session caught its error and passed");
          assert.deepEqual([g.symptoms.map(key), g.original?.kind, g.original?.values], [["TestShared::test_symptom|call"], "unique", ["dup@example.com"]]);
        });
      });
    }
  }
});

describe("failures: messages first seen on real servers", () => {
  it("MariaDB CHECK (4025, raised as OperationalError): kind, constraint, table", () => {
    const db = parseDbError(
      "sqlalchemy.exc.OperationalError",
      "(pymysql.err.OperationalError) (4025, 'CONSTRAINT `ck_accounts_balance_positive` failed for `otd`.`accounts`')\n[SQL: INSERT INTO accounts (balance) VALUES (%(balance)s)]\n[parameters: {'balance': -5}]\n(Background on this error at: https://sqlalche.me/e/20/e3q8)",
    );
    assert.deepEqual([db?.kind, db?.constraint, db?.table, db?.errno, db?.code], ["check", "ck_accounts_balance_positive", "accounts", 4025, "e3q8"]);
    // a summary line cut inside the message: the errno still tells
    const cut = parseDbError("sqlalchemy.exc.OperationalError", "(pymysql.err.OperationalError) (4025, 'CONSTRA...", true);
    assert.equal(cut?.kind, "check");
  });
  it("MySQL 8 CHECK (3819)", () => {
    const db = parseDbError("sqlalchemy.exc.OperationalError", "(pymysql.err.OperationalError) (3819, \"Check constraint 'ck_x' is violated.\")");
    assert.deepEqual([db?.kind, db?.constraint], ["check", "ck_x"]);
  });
  it("SQLAlchemy 2.0 insertmanyvalues on PostgreSQL (INSERT ... SELECT ... FROM (VALUES ...)) still names its table", () => {
    const sql =
      "INSERT INTO users (email, name) SELECT p0::VARCHAR, p1::VARCHAR FROM (VALUES (%(email__0)s, %(name__0)s, 0), (%(email__1)s, %(name__1)s, 1)) AS imp_sen(p0, p1, sen_counter) ORDER BY sen_counter RETURNING users.id, users.id AS id__1";
    assert.deepEqual(statementInfo(sql), { verb: "insert", table: "users" });
    assert.deepEqual(statementInfo("INSERT INTO audit DEFAULT VALUES"), { verb: "insert", table: "audit" });
  });
  it("psycopg2 error classes give the SQLSTATE the text does not print", () => {
    const db = parseDbError(
      "sqlalchemy.exc.IntegrityError",
      '(psycopg2.errors.NotNullViolation) null value in column "name" of relation "users" violates not-null constraint\nDETAIL:  Failing row contains (4, nobody@example.com, null).',
    );
    assert.deepEqual([db?.kind, db?.sqlstate, db?.table, db?.columns], ["not-null", "23502", "users", ["name"]]);
    assert.equal(parseDbError("sqlalchemy.exc.IntegrityError", "(sqlite3.IntegrityError) UNIQUE constraint failed: t.a")?.sqlstate, undefined);
  });
  it("a PendingRollbackError (text and plugin alike) takes dialect and driver from its original; the plugin's gets its own message", () => {
    const f = pluginFailures("mariadb-modern-plugin.jsonl").find((x) => key(x) === "TestShared::test_symptom|call");
    assert.deepEqual([f?.db?.kind, f?.db?.dialect, f?.db?.driver], ["pending-rollback", "mysql", "pymysql"]);
    assert.match(f?.db?.message ?? "", /^This Session's transaction has been rolled back/);
    assert.equal(f?.db?.original?.errorType, "sqlalchemy.exc.IntegrityError");
  });
});
