import * as assert from "node:assert/strict";
import { latestResults } from "../../../src/core/history";
import { api, folder, runAndWait, setArgs, STACKS, useStack } from "./helpers";

describe("project index and run history in the extension", () => {
  it("indexes a folder in the background, on worker threads from the bundle", async () => {
    const a = await api();
    const tests = folder(a, "commit_factory");
    const index = await a.explorer.indexes.get(tests.folder);
    const factory = index.factory("UserFactory");
    assert.equal(factory?.meta.sqlalchemy_session_persistence?.literal, "commit");
    assert.equal(factory?.file, "factories.py");
    assert.ok(index.table("users")?.columns.some((c) => c.name === "email"));
    assert.equal(a.explorer.indexes.workerErrors.get(tests.folder.uri.toString()), undefined);
  });

  it("records each run's results and normalized failures in its SQLite store", async () => {
    await useStack(STACKS[0]);
    await setArgs([]);
    const a = await api();
    const tests = folder(a, "commit_factory");
    await runAndWait(a, [tests.root]);
    const rows = await latestResults((await a.explorer.history.open())!, tests.folder.uri.fsPath);
    const failed = rows.find((r) => r.nodeid === "tests/test_profile.py::test_rename_user");
    assert.equal(failed?.outcome, "failed");
    assert.equal(failed.failures[0]?.db?.kind, "unique");
    assert.deepEqual(failed.failures[0]?.db?.columns, ["email"]);
    assert.equal(rows.length, 6);
  });
});
