import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { indexWorkspace, updateWorkspaceIndex } from "../../../src/core/index";
import { writeTree } from "../../util";

describe("index: update after file changes", () => {
  it("indexes a changed project file but not one in .venv/ or a git-ignored folder", async () => {
    const root = writeTree({ ".gitignore": "generated/\n", "app/models.py": "x = 1\n" });
    const index = await indexWorkspace(root, { workers: 0 });
    assert.deepEqual(index.files(), ["app/models.py"]);
    const changed = ["app/services.py", ".venv/lib/python3.11/site-packages/pkg.py", "generated/gen.py"].map((rel) => {
      const file = path.join(root, rel);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, "def f():\n    pass\n");
      return file;
    });
    await updateWorkspaceIndex(index, root, changed, [path.join(root, "app", "models.py")]);
    assert.deepEqual(index.files(), ["app/services.py"]);
  });
});
