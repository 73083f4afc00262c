import * as assert from "node:assert/strict";
import { ESLint } from "eslint";
import { repoRoot } from "../util";

describe("lint: src/core never imports vscode", function () {
  this.timeout(60000);
  const eslint = new ESLint({ cwd: repoRoot() });
  const rules = async (code: string, filePath: string): Promise<Array<string | null>> => {
    const [result] = await eslint.lintText(code, { filePath });
    return (result?.messages ?? []).map((m) => m.ruleId);
  };

  it("an import of vscode in src/core or src/cli is an error", async () => {
    assert.deepEqual(await rules('import * as vscode from "vscode";\nexport const u = vscode;\n', "src/core/x.ts"), ["no-restricted-imports"]);
    assert.deepEqual(await rules('import * as vscode from "vscode";\nexport const u = vscode;\n', "src/cli/x.ts"), ["no-restricted-imports"]);
  });

  it("a type-only import of vscode in src/core is an error too", async () => {
    assert.deepEqual(await rules('import type { Uri } from "vscode";\nexport type U = Uri;\n', "src/core/x.ts"), ["no-restricted-imports"]);
  });

  it("the same imports in src/vscode are fine", async () => {
    assert.deepEqual(await rules('import * as vscode from "vscode";\nimport type { Uri } from "vscode";\nexport const u: Uri | typeof vscode | undefined = undefined;\n', "src/vscode/x.ts"), []);
  });

  it("eslint src is clean", async () => {
    const results = await eslint.lintFiles(["src"]);
    assert.deepEqual(results.filter((r) => r.errorCount > 0).map((r) => r.filePath), []);
  });
});
