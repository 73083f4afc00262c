import * as assert from "node:assert/strict";
import { discover } from "../../../src/core/runner";
import { fixturePath } from "../../util";
import { options, stacks } from "./helpers";

for (const stack of stacks) {
  describe(`runner: discover (${stack.name})`, () => {
    it("builds the file / class / function / case tree with 0-based ranges", async () => {
      const res = await discover(options(stack, "basic"));
      assert.equal(res.exit.problem, undefined, res.exit.problem?.message);
      assert.deepEqual(res.tree.roots.map((r) => r.id), ["test_basic.py"]);
      const file = res.tree.roots[0];
      assert.equal(file?.file, fixturePath("runner", "basic", "test_basic.py"));
      assert.deepEqual(file?.children.map((c) => c.label), ["test_pass", "test_fail", "test_error", "test_skip", "TestMath"]);
      const group = res.tree.get("test_basic.py::TestMath::test_param");
      assert.equal(group?.kind, "function");
      assert.deepEqual(group?.children.map((c) => c.id), [
        "test_basic.py::TestMath::test_param[1]",
        "test_basic.py::TestMath::test_param[2]",
        "test_basic.py::TestMath::test_param[a b]",
      ]);
      assert.equal(group?.children[0]?.kind, "case");
      assert.deepEqual(res.tree.get("test_basic.py::test_fail")?.range, { line: 7, endLine: 8 });
      assert.deepEqual(res.items.find((i) => i.nodeid === "test_basic.py::test_skip")?.markers, ["skip"]);
      assert.equal(res.errors.length, 0);
    });

    it("reports collection errors next to what did collect", async () => {
      const res = await discover(options(stack, "broken"));
      assert.equal(res.exit.problem, undefined);
      assert.equal(res.exit.code, 2);
      assert.deepEqual(res.items.map((i) => i.nodeid), ["test_ok.py", "test_ok.py::test_ok"]);
      assert.match(res.tree.get("test_syntax.py")?.error ?? "", /^SyntaxError/);
      assert.equal(res.errors.length, 1);
      assert.equal(res.errors[0]?.nodeid, "test_syntax.py");
      assert.match(res.errors[0]?.longrepr ?? "", /SyntaxError/);
    });
  });
}
