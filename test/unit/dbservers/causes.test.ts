// Causes on real PostgreSQL and MariaDB servers, both Python stacks: `orm-test-doctor diagnose
// --json` on the commit-polluter projects names the planted cause of every failing test, run after
// run on the same database, and lists the server database as persistent with no password; the
// tracer's own server tests (python/tests/test_provenance_servers.py) pass against the same server.
//
// Needs the Debian packages postgresql, mariadb-server, python3-psycopg2, python3-pymysql
// (scripts/setup.sh).
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import Ajv from "ajv";
import type { DiagnoseDocument } from "../../../src/core/causes/document";
import { fixturePath, pythonStacks, repoRoot, type PythonStack } from "../../util";
import { useServer, type DbServer, type ServerKind } from "./servers";

const cli = path.join(repoRoot(), "out", "src", "cli", "main.js");
const schema = JSON.parse(fs.readFileSync(path.join(repoRoot(), "schema", "diagnose.schema.json"), "utf8")) as object;
const validate = new Ajv({ allErrors: true }).compile(schema);
const RUN_TIMEOUT_MS = 180_000;
const PROVENANCE_TESTS = "python/tests/test_provenance_servers.py";
// the servers take any password (trust / --skip-grant-tables): it must never be shown
const PASSWORD = "s3cret-otd";

const SETUPS: ReadonlyArray<{ kind: ServerKind; driver: string; dialect: string; project: string; urlEnv: string }> = [
  { kind: "postgresql", driver: "postgresql+psycopg2", dialect: "postgresql", project: "pg_commit_polluter", urlEnv: "OTD_TEST_POSTGRESQL_URL" },
  { kind: "mariadb", driver: "mysql+pymysql", dialect: "mysql", project: "mariadb_commit_polluter", urlEnv: "OTD_TEST_MARIADB_URL" },
];

type Expected = { kind: string; file: string; line: number; rootOf?: string } | null;
type RunCauses = Record<string, Expected>;

type RunName = "run1" | "run2" | "keptTables";

function expectedCauses(project: string, run: RunName, sqlalchemy: "1.4" | "2.0"): RunCauses {
  const data = JSON.parse(fs.readFileSync(fixturePath("projects", project, "expected.json"), "utf8")) as { causes: Record<string, unknown> & { stacks?: Record<string, Record<string, RunCauses>> } };
  const { note: _note, ...causes } = { ...(data.causes[run] as RunCauses & { note?: unknown }), ...(data.causes.stacks?.[sqlalchemy]?.[run] ?? {}) };
  return causes as RunCauses;
}

// run 1 and 2 drop and create the tables; a third run keeps them (and the rows of run 2)
const RUNS: ReadonlyArray<[RunName, Record<string, string>]> = [["run1", {}], ["run2", {}], ["keptTables", { OTD_KEEP_TABLES: "1" }]];
const EMPTY_TABLE_TEST = "tests/test_profile.py::test_users_table_starts_empty";

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command with an argument array; async so mocha's timers keep running; bounded. */
function run(file: string, args: string[], env: Record<string, string>, cwd?: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), RUN_TIMEOUT_MS);
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The server's URL for `db`, with a password in it. */
function urlWithPassword(srv: DbServer, driver: string, db: string): string {
  return srv.url(driver, db).replace(`://${srv.user}@`, `://${srv.user}:${PASSWORD}@`);
}

describe("database servers: diagnose names the causes", function () {
  this.timeout(RUN_TIMEOUT_MS * 3 + 30_000);

  for (const setup of SETUPS) {
    describe(setup.kind, () => {
      const server = useServer(setup.kind);
      for (const stack of pythonStacks()) {
        const sqlalchemy = stack.name === "legacy" ? "1.4" : "2.0";

        it(`${setup.project} (${stack.name}): the planted causes, run after run on one database, and with the tables kept`, async () => {
          const srv = server.get();
          const db = `otd_causes_${stack.name}`;
          await srv.createDatabase(db);
          const url = urlWithPassword(srv, setup.driver, db);
          const work = fs.mkdtempSync(path.join(os.tmpdir(), "otd-srvdiag-"));
          const dir = path.join(work, setup.project);
          fs.cpSync(fixturePath("projects", setup.project), dir, { recursive: true, filter: (src) => !src.includes("__pycache__") });
          try {
            for (const [runName, runEnv] of RUNS) {
              const r = await run(process.execPath, [cli, "diagnose", dir, "--python", stack.python, "--json"], { ...stack.env, ...runEnv, OTD_DATABASE_URL: url });
              const context = `${runName}: exit ${String(r.code)}\n${r.stderr.slice(-3000)}`;
              const doc = JSON.parse(r.stdout) as DiagnoseDocument;
              assert.ok(validate(doc), `${runName}: schema: ${JSON.stringify(validate.errors)}`);
              assert.equal(r.code, 1, context);
              assert.equal(doc.summary.skipped, 0, `${runName}: the project skipped: the URL did not reach it`);
              assert.deepEqual(doc.warnings, [], runName);
              const got: RunCauses = Object.fromEntries(doc.failures.map((f) => {
                const c = f.causes[0];
                return [f.nodeid, c ? { kind: c.kind, file: c.file, line: c.line, ...(f.rootOf ? { rootOf: f.rootOf } : {}) } : null];
              }));
              const want = expectedCauses(setup.project, runName, sqlalchemy);
              if (runName === "keptTables") {
                // the row-count test fails too, on rows from before the run: the server database that kept them
                assert.deepEqual(Object.keys(got).sort(), [...Object.keys(want), EMPTY_TABLE_TEST].sort(), runName);
                assert.equal(got[EMPTY_TABLE_TEST]?.kind, "persistent-database", JSON.stringify(got[EMPTY_TABLE_TEST]));
                delete got[EMPTY_TABLE_TEST];
              }
              assert.deepEqual(got, want, runName);
              for (const f of doc.failures.filter((x) => x.error.kind === "unique")) {
                const email = f.nodeid.endsWith("::test_bob_with_explicit_email") ? "bob@example.com" : "alice@example.com";
                assert.deepEqual([f.error.dialect, f.error.table, f.error.values], [setup.dialect, "users", [email]], `${runName} ${f.nodeid}`);
              }
              // one engine: the server database, persistent, its password masked everywhere
              assert.deepEqual(
                doc.engines.map((e) => [e.dialect, e.persistent, e.url]),
                [[setup.dialect, true, srv.url(setup.driver, db).replace(`://${srv.user}@`, `://${srv.user}:***@`)]],
                runName,
              );
              assert.ok(!r.stdout.includes(PASSWORD) && !r.stderr.includes(PASSWORD), `${runName}: the password leaked`);
            }
          } finally {
            fs.rmSync(work, { recursive: true, force: true });
          }
        });

        it(`python/tests/test_provenance_servers.py (${stack.name}) passes against the server`, async () => {
          const srv = server.get();
          const db = `otd_prov_${stack.name}`;
          await srv.createDatabase(db);
          const r = await runProvenanceTests(stack, { [setup.urlEnv]: urlWithPassword(srv, setup.driver, db) }, setup.kind);
          assert.equal(r.code, 0, r.stdout.slice(-6000) + r.stderr.slice(-2000));
          // every server test ran for this server (the other server's are deselected by -k):
          // none skipped for want of a URL
          const n = (fs.readFileSync(path.join(repoRoot(), PROVENANCE_TESTS), "utf8").match(/^def test_/gm) ?? []).length;
          assert.ok(n >= 5, PROVENANCE_TESTS);
          assert.match(r.stdout, new RegExp(`^${n} passed, ${n} deselected in `, "m"), r.stdout.slice(-2000));
          assert.doesNotMatch(r.stdout, /skipped|failed|error/, r.stdout.slice(-2000));
        });
      }
    });
  }
});

function runProvenanceTests(stack: PythonStack, env: Record<string, string>, kind: ServerKind): Promise<Ran> {
  const args = ["-m", "pytest", PROVENANCE_TESTS, "-q", "-p", "no:cacheprovider", "-k", kind];
  return run(stack.python, args, { ...stack.env, ...env }, repoRoot());
}
