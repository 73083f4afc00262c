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
import type { Failure } from "../../../src/core/failures/model";
import { fromPluginError } from "../../../src/core/failures/plugin";
import type { ConstraintResolver } from "../../../src/core/failures/resolve";
import { parsePytestText } from "../../../src/core/failures/text";
import { indexWorkspace } from "../../../src/core/index";
import { pythonStacks, repoRoot } from "../../util";
import { normalizeReports, normalizeText, normalizeXml, PROJECT, runProject, type ProjectRun } from "./harness";
import { byKey, expected, frameOf, key, rawFacts, resolveAll } from "./expected";
import { useServer } from "./servers";

const WRITE = process.env["OTD_WRITE_SAMPLES"] === "1";
const SAMPLES = path.join(repoRoot(), "test", "unit", "failures", "samples");

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
            junit = parseJunitXml(r.junitXml, { rootdir: PROJECT });
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
            for (const f of text) {
              assert.deepEqual(rawFacts(f.db), rawFacts(p.get(key(f))?.db), `text before resolution ${key(f)}`);
              assert.equal(frameOf(f), frameOf(p.get(key(f))), `text user frame ${key(f)}`);
            }
          });

          it("junit XML gives the same failures as the plugin", async () => {
            const want = await resolveAll(plugin, resolvers);
            const got = await resolveAll(junit, resolvers);
            for (const k of want.keys()) assert.deepEqual(got.get(k), want.get(k), `junit ${k}`);
            const p = byKey(plugin);
            for (const f of junit) {
              assert.deepEqual(rawFacts(f.db), rawFacts(p.get(key(f))?.db), `junit before resolution ${key(f)}`);
              assert.equal(frameOf(f), frameOf(p.get(key(f))), `junit user frame ${key(f)}`);
            }
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
