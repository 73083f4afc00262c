import * as assert from "node:assert/strict";
import { discover } from "../../../src/core/runner";
import { fixturePath } from "../../util";
import { options, stacks } from "./helpers";

for (const stack of stacks) {
  describe(`runner: discover (${stack.name})`, () => {
    it("builds the file / class / function / case tree with 0-based ranges", async () => {
      const res = await discover(options(stack, "basic"));
      assert.equal(res.exit.problem, undefined, res.exit.problem?.message);
      assert.deepEqual(res.roots.map((r) => r.item.nodeid), ["test_basic.py"]);
      const file = res.roots[0];
      assert.equal(file?.item.file, fixturePath("runner", "basic", "test_basic.py"));
      assert.deepEqual(file?.children.map((c) => c.item.name), ["test_pass", "test_fail", "test_error", "test_skip", "TestMath"]);
      const group = res.byId.get("test_basic.py::TestMath::test_param");
      assert.equal(group?.item.kind, "function");
      assert.deepEqual(group?.children.map((c) => c.item.nodeid), [
        "test_basic.py::TestMath::test_param[1]",
        "test_basic.py::TestMath::test_param[2]",
        "test_basic.py::TestMath::test_param[a b]",
      ]);
      assert.equal(group?.children[0]?.item.kind, "case");
      assert.deepEqual(res.byId.get("test_basic.py::test_fail")?.item.range, { line: 7, endLine: 8 });
      assert.deepEqual(res.byId.get("test_basic.py::test_skip")?.item.markers, ["skip"]);
      assert.equal(res.errors.length, 0);
    });

    it("reports collection errors next to what did collect", async () => {
      const res = await discover(options(stack, "broken"));
      assert.equal(res.exit.problem, undefined);
      assert.equal(res.exit.code, 2);
      assert.deepEqual([...res.byId.keys()], ["test_ok.py", "test_ok.py::test_ok"]);
      assert.equal(res.errors.length, 1);
      assert.equal(res.errors[0]?.nodeid, "test_syntax.py");
      assert.match(res.errors[0]?.longrepr ?? "", /SyntaxError/);
    });
  });
}
