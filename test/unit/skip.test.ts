import * as assert from "node:assert/strict";
import { isUserFile } from "../../src/core/failures/frames";
import { isSkippedPath } from "../../src/core/skip";
import { writeTree } from "../util";

describe("skip rules: paths that are not the user's code", () => {
  it("skip virtualenvs, installed packages, VCS folders, caches and git-ignored paths", async () => {
    const root = writeTree({
      ".gitignore": "generated/\n*_gen.py\n",
      "app/.gitignore": "local/\n",
      "myenv/pyvenv.cfg": "home = /usr/bin\n",
    });
    const table: Array<[string, boolean]> = [
      ["app/models.py", false],
      ["tests/test_a.py", false],
      ["src/build/y.py", false],
      ["environment/x.py", false],
      [".venv/lib/python3.11/site-packages/x.py", true],
      ["venv/lib/x.py", true],
      ["env/x.py", true],
      ["vendor/site-packages/x.py", true],
      ["usr/lib/python3/dist-packages/x.py", true],
      ["node_modules/pkg/a.py", true],
      ["app/__pycache__/models.py", true],
      [".git/hooks/h.py", true],
      [".tox/py311/x.py", true],
      [".nox/s/x.py", true],
      [".mypy_cache/x.py", true],
      ["myenv/lib/x.py", true], // a virtualenv known by its pyvenv.cfg
      ["generated/x.py", true],
      ["app/m_gen.py", true],
      ["app/local/x.py", true], // nested .gitignore
    ];
    const got: Array<[string, boolean]> = [];
    for (const [rel] of table) got.push([rel, await isSkippedPath(root, rel)]);
    assert.deepEqual(got, table);
  });

  it("a frame inside a virtualenv, installed packages or node_modules is not the user's", () => {
    const opts = { projectRoot: "/p" };
    assert.equal(isUserFile("/p/.venv/lib/python3.11/site-packages/x.py", opts), false);
    assert.equal(isUserFile("/p/node_modules/pkg/x.py", opts), false);
    assert.equal(isUserFile("/p/.tox/py311/lib/x.py", opts), false);
    assert.equal(isUserFile("node_modules/pkg/x.py"), false);
    assert.equal(isUserFile("/p/app/services.py", opts), true);
    assert.equal(isUserFile("/p/environment/x.py", opts), true);
  });
});
