import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { findPythonFiles } from "../../../src/core/index";
import { IgnoreRules, isIgnored } from "../../../src/core/index/gitignore";

function tree(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "otd-walk-"));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  return root;
}

describe("index: workspace walk", () => {
  it("skips .git, virtualenvs, node_modules, caches and git-ignored paths", async () => {
    const root = tree({
      "app/models.py": "",
      "app/gen_generated.py": "",
      "tests/conftest.py": "",
      "tests/data/fixture.py": "",
      "tests/.gitignore": "data/\n!keep_generated.py\n",
      "tests/keep_generated.py": "",
      ".gitignore": "# comment\n*_generated.py\n/build\nlogs/**/*.py\n",
      "build/x.py": "",
      "src/build/y.py": "",
      "logs/a/b/c.py": "",
      ".git/hooks/h.py": "",
      ".venv/lib/site.py": "",
      "venv/lib/site.py": "",
      "myenv/pyvenv.cfg": "home = /usr/bin\n",
      "myenv/lib/python3/site-packages/sqlalchemy/orm.py": "",
      "node_modules/pkg/a.py": "",
      "app/__pycache__/models.py": "",
      "README.md": "",
    });
    assert.deepEqual(await findPythonFiles(root), ["app/models.py", "src/build/y.py", "tests/conftest.py", "tests/keep_generated.py"]);
  });

  it("matches the common .gitignore pattern forms", () => {
    const r = new IgnoreRules("", "*.pyc\n/top.py\ndocs/\n**/gen/*.py\na/**/z.py\n!important.pyc\nfoo?.py\n[ab].py\n");
    const ig = (p: string, dir = false) => isIgnored([r], p, dir);
    assert.equal(ig("x/y.pyc"), true);
    assert.equal(ig("important.pyc"), false);
    assert.equal(ig("top.py"), true);
    assert.equal(ig("sub/top.py"), false);
    assert.equal(ig("docs", true), true);
    assert.equal(ig("docs", false), false);
    assert.equal(ig("q/gen/m.py"), true);
    assert.equal(ig("gen/m.py"), true);
    assert.equal(ig("a/z.py"), true);
    assert.equal(ig("a/b/c/z.py"), true);
    assert.equal(ig("foo1.py"), true);
    assert.equal(ig("foo12.py"), false);
    assert.equal(ig("b.py"), true);
    assert.equal(ig("c.py"), false);
  });
});
