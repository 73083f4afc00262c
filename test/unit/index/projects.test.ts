// The example projects under test/fixtures/projects (standalone pytest projects): key facts.
import * as assert from "node:assert/strict";
import { indexWorkspace } from "../../../src/core/index";
import { fixturePath } from "../../util";


describe("index: example projects", () => {
  it("commit_factory: a factory that commits, with a constant on a unique column", async function () {
    const idx = await indexWorkspace(fixturePath("projects", "commit_factory"), { workers: 0 });
    const f = idx.factory("factories.UserFactory");
    assert.equal(f?.meta.sqlalchemy_session_persistence?.literal, "commit");
    const email = f?.fields.find((x) => x.name === "email");
    assert.deepEqual([email?.kind, email?.value], ["constant", "alice@example.com"]);
    assert.equal(f?.model, "models.User");
    assert.deepEqual(idx.uniqueKeyFor("users", ["email"])?.kind, "unique");
    const links = idx.testLinks(idx.tests()[0]?.nodeId ?? "");
    assert.ok(links?.factories.some((l) => l.factory.name === "UserFactory"));
  });

  it("create_override: _create commits through the app's session bound to sqlite:///dev.db", async function () {
    const idx = await indexWorkspace(fixturePath("projects", "create_override"), { workers: 0 });
    const f = idx.factory("factories.UserFactory");
    assert.equal(f?.create?.from, "factories.BaseFactory");
    assert.ok((f?.create?.commits.length ?? 0) > 0);
    assert.deepEqual([f?.sessionUrl?.kind, f?.sessionUrl?.path], ["sqlite-file", "dev.db"]);
    assert.ok(idx.engines().some((e) => e.file === "database.py" && e.url.url === "sqlite:///dev.db"));
  });

  it("rollback_file_db / savepoint_commit / session_pending_rollback / clean: engines and links", async function () {
    const names = ["rollback_file_db", "savepoint_commit", "session_pending_rollback", "clean"];
    for (const name of names) {
      const idx = await indexWorkspace(fixturePath("projects", name), { workers: 0 });
      assert.ok(idx.factories().length > 0, name);
      assert.ok(idx.table("users"), name);
      const test = idx.tests()[0];
      assert.ok(test, name);
      const links = idx.testLinks(test.nodeId);
      assert.ok((links?.urls.length ?? 0) > 0, `${name}: a database URL reached from ${test.nodeId}`);
      if (name === "rollback_file_db") assert.equal(links?.urls[0]?.kind, "sqlite-file");
    }
  });
});
