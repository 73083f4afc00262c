// Real PostgreSQL and MariaDB servers, both Python stacks: the plugin's structured error data,
// the terminal text of the same run and a plain run's junit XML must give the same normalized
// failure for every test — and the right one.
//
// Needs the Debian packages postgresql, mariadb-server, python3-psycopg2, python3-pymysql
// (scripts/setup.sh). OTD_WRITE_SAMPLES=1 also (re)writes test/unit/failures/samples/{pg,mariadb}-*.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { indexConstraintResolver } from "../../../src/core/failures/indexResolver";
import { parseJunitXml } from "../../../src/core/failures/junit";
import type { DbFailure, Failure } from "../../../src/core/failures/model";
import { fromPluginError } from "../../../src/core/failures/plugin";
import { resolveConstraint, type ConstraintResolver } from "../../../src/core/failures/resolve";
import { parsePytestText } from "../../../src/core/failures/text";
import { indexWorkspace } from "../../../src/core/index";
import { pythonStacks, repoRoot } from "../../util";
import { normalizeReports, normalizeText, normalizeXml, PROJECT, runProject, type ProjectRun } from "./harness";
import { useServer, type ServerKind } from "./servers";

const T = "tests/test_db.py::";
const WRITE = process.env["OTD_WRITE_SAMPLES"] === "1";
const SAMPLES = path.join(repoRoot(), "test", "unit", "failures", "samples");

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

type Expected = Record<string, Facts>;

function expected(kind: ServerKind): Expected {
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

/** Fields each source must agree on already before resolution (the text has no diag table name
 *  or columns for MySQL keys; the index fills those in). */
function rawFacts(f: Facts | undefined): unknown {
  if (!f) return undefined;
  return { kind: f.kind, dialect: f.dialect, driver: f.driver, constraint: f.constraint, values: f.values, code: f.code, errno: f.errno, original: rawFacts(f.original) };
}

const key = (f: Failure): string => f.nodeid.replace(T, "") + "|" + f.phase;
const byKey = (fs: Failure[]): Map<string, Failure> => new Map(fs.map((f) => [key(f), f]));

async function resolveAll(fs: Failure[], resolvers: ConstraintResolver[]): Promise<Map<string, Facts | undefined>> {
  const out = new Map<string, Facts | undefined>();
  for (const f of fs) out.set(key(f), facts(f.db ? await resolveConstraint(f.db, resolvers) : undefined));
  return out;
}

function writeSamples(prefix: string, r: ProjectRun): void {
  fs.writeFileSync(path.join(SAMPLES, `${prefix}-tb-long.txt`), normalizeText(r.text));
  fs.writeFileSync(path.join(SAMPLES, `${prefix}-junit-xunit2.xml`), normalizeXml(r.junitXml));
  fs.writeFileSync(path.join(SAMPLES, `${prefix}-plugin.jsonl`), normalizeReports(r.reports));
}

describe("database servers: plugin, terminal text and junit agree", function () {
  this.timeout(120_000);
  let resolvers: ConstraintResolver[] = [];
  before(async () => {
    resolvers = [indexConstraintResolver(await indexWorkspace(PROJECT, { workers: 0 }))];
  });

  for (const kind of ["postgresql", "mariadb"] as const) {
    describe(kind, () => {
      const server = useServer(kind);
      for (const stack of pythonStacks()) {
        describe(stack.name, () => {
          let r: ProjectRun;
          let plugin: Failure[] = [];
          let text: Failure[] = [];
          let junit: Failure[] = [];
          before(async function () {
            this.timeout(90_000);
            const srv = server.get();
            const db = `otd_${stack.name}`;
            await srv.createDatabase(db);
            r = await runProject(stack, srv.url(kind === "postgresql" ? "postgresql+psycopg2" : "mysql+pymysql", db));
            plugin = r.reports.filter((m) => m.outcome === "failed" && m.error).map((m) => fromPluginError(m.nodeid, m.when, m.error ?? { chain: [], frames: [] }));
            text = parsePytestText(r.text);
            junit = parseJunitXml(r.junitXml);
            if (WRITE) writeSamples(`${kind === "postgresql" ? "pg" : "mariadb"}-${stack.name}`, r);
          });

          it("the run ended normally with the designed failures", () => {
            assert.equal(r.exitCode, 1, r.stderr.slice(-2000) + r.text.slice(-3000));
            const want = Object.keys(expected(kind)).sort();
            assert.deepEqual([...byKey(plugin).keys()].sort(), want, "plugin");
            assert.deepEqual([...byKey(text).keys()].sort(), want, "text");
            assert.deepEqual([...byKey(junit).keys()].sort(), want, "junit");
            assert.ok(text.every((f) => !f.nodeidGuessed), "text nodeids come from the summary");
          });

          it("plugin data gives the right failure for each test", async () => {
            const got = await resolveAll(plugin, resolvers);
            for (const [k, want] of Object.entries(expected(kind))) assert.deepEqual(got.get(k), want, `plugin ${k}`);
          });

          it("terminal text gives the same failures as the plugin", async () => {
            const want = await resolveAll(plugin, resolvers);
            const got = await resolveAll(text, resolvers);
            for (const k of want.keys()) assert.deepEqual(got.get(k), want.get(k), `text ${k}`);
            const p = byKey(plugin);
            for (const f of text) assert.deepEqual(rawFacts(facts(f.db)), rawFacts(facts(p.get(key(f))?.db)), `text before resolution ${key(f)}`);
          });

          it("junit XML gives the same failures as the plugin", async () => {
            const want = await resolveAll(plugin, resolvers);
            const got = await resolveAll(junit, resolvers);
            for (const k of want.keys()) assert.deepEqual(got.get(k), want.get(k), `junit ${k}`);
            const p = byKey(plugin);
            for (const f of junit) assert.deepEqual(rawFacts(facts(f.db)), rawFacts(facts(p.get(key(f))?.db)), `junit before resolution ${key(f)}`);
          });

          it("plugin data carries what only the exception objects have", () => {
            const p = byKey(plugin);
            const u = p.get("test_second_user|call");
            assert.equal(u?.db?.errorType, "sqlalchemy.exc.IntegrityError");
            assert.match(u?.db?.statement ?? "", /^INSERT INTO users/);
            assert.deepEqual((u?.db?.params as Record<string, unknown> | undefined)?.["email"], "alice@example.com");
            if (kind === "postgresql") {
              assert.equal(u?.db?.sqlstate, "23505");
              assert.equal(u?.db?.driverErrorType, "psycopg2.errors.UniqueViolation");
              // psycopg2's diag gives the table even for NOT NULL and CHECK
              assert.equal(p.get("test_check|call")?.db?.sqlstate, "23514");
            } else {
              assert.equal(u?.db?.driverErrorType, "pymysql.err.IntegrityError");
              assert.equal(p.get("test_check|call")?.db?.driverErrorType, "pymysql.err.OperationalError");
            }
            assert.equal(u?.userFrame?.function, "test_second_user");
            assert.equal(p.get("test_admin_setup|setup")?.userFrame?.function, "admin");
            const s = p.get("TestShared::test_symptom|call");
            assert.ok(s?.sessionId, "follow-on error names its session");
          });
        });
      }
    });
  }
});
