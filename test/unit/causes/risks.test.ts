// Risks from the code alone, on the example projects: the planted committing factories, constant
// unique values and file databases in test set-up are found at their lines; the well-isolated and
// the drift projects say nothing; each kind can be turned off; and the risk's quick fix applies.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { risksOf } from "../../../src/core/causes/risks";
import { fixesFor } from "../../../src/core/fixes";
import { indexWorkspace } from "../../../src/core/index";
import { fixturePath } from "../../util";

async function risks(project: string, off: string[] = []): Promise<string[]> {
  const index = await indexWorkspace(fixturePath("projects", project), { workers: 0 });
  return risksOf(index, (k) => !off.includes(k)).map((r) => `${r.file}:${r.line} ${r.kind} ${r.symbol}`).sort();
}

describe("risks before any run", function () {
  this.timeout(60_000);

  it("finds the planted leaks at their lines", async () => {
    assert.deepEqual(await risks("commit_factory"), ["factories.py:12 factory-commits UserFactory", "factories.py:22 constant-unique-value UserFactory.email"]);
    assert.deepEqual(await risks("create_override"), ["conftest.py:10 persistent-database sqlite:///dev.db", "factories.py:25 factory-commits BaseFactory._create"]);
    assert.deepEqual(await risks("rollback_file_db"), ['conftest.py:16 persistent-database "sqlite:///" + DB_PATH']);
    assert.deepEqual(await risks("unique_values"), ["factories.py:28 constant-unique-value TeamFactory.name"]);
  });

  it("says nothing on well-isolated projects", async () => {
    for (const p of ["clean", "drift_legacy", "drift_modern", "global_state_polluter"]) assert.deepEqual(await risks(p), [], p);
  });

  it("a committing factory is no risk when a fixture runs each test in an outer transaction", async () => {
    // commit_factory's factory with clean's fixture: only the constant stays
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "otd-risk-"));
    fs.cpSync(fixturePath("projects", "commit_factory"), dir, { recursive: true });
    const clean = fs.readFileSync(fixturePath("projects", "clean", "conftest.py"), "utf8").replace("from factories import ALL_FACTORIES", "from factories import UserFactory\nALL_FACTORIES = (UserFactory,)");
    fs.writeFileSync(path.join(dir, "conftest.py"), clean);
    const index = await indexWorkspace(dir, { workers: 0 });
    assert.deepEqual(risksOf(index).map((r) => r.kind), ["constant-unique-value"]);
  });

  it("each kind has its switch", async () => {
    assert.deepEqual(await risks("commit_factory", ["committingFactory"]), ["factories.py:22 constant-unique-value UserFactory.email"]);
    assert.deepEqual(await risks("create_override", ["fileDatabase", "committingFactory"]), []);
  });

  it("the risks' quick fixes are the causes' fixes", async () => {
    const root = fixturePath("projects", "commit_factory");
    const index = await indexWorkspace(root, { workers: 0 });
    const read = (f: string) => fs.readFileSync(path.join(root, f), "utf8");
    const titles = [];
    for (const r of risksOf(index)) titles.push(...(await fixesFor(r, { read, sqlalchemy: "2.0" })).map((f) => f.title));
    assert.deepEqual(titles, ['Flush instead of commit: sqlalchemy_session_persistence = "flush"', `Make UserFactory.email unique per row: factory.Sequence(lambda n: f"alice{n or ''}@example.com")`]);
  });
});
