import * as assert from "node:assert/strict";
import { ancestorIds, splitNodeId, TestTreeBuilder, type TestNode } from "../../src/core/testTree";
import { PROTOCOL_VERSION } from "../../src/core/protocol";

const v = PROTOCOL_VERSION;
function shape(n: TestNode): unknown {
  return [n.kind, n.label, ...(n.children.length ? [n.children.map(shape)] : [])];
}

describe("test tree from collected messages", () => {
  it("splits node ids outside parametrize brackets", () => {
    assert.deepEqual(splitNodeId("t/test_a.py::C::f[a::b-1]"), ["t/test_a.py", "C", "f[a::b-1]"]);
    assert.deepEqual(ancestorIds("t/test_a.py::f[1]"), ["t", "t/test_a.py", "t/test_a.py::f", "t/test_a.py::f[1]"]);
  });

  it("builds folder → file → class → function → case with ranges and errors", () => {
    const b = new TestTreeBuilder("/p");
    b.add({ v, type: "collected", nodeid: "tests/test_u.py::TestUser::test_email", kind: "function", name: "test_email", file: "/p/tests/test_u.py", range: { line: 4 } });
    b.add({ v, type: "collected", nodeid: "tests/test_u.py::test_p[1]", kind: "case", name: "test_p[1]", file: "/p/tests/test_u.py", range: { line: 9 } });
    b.add({ v, type: "collected", nodeid: "tests/test_u.py::test_p[2]", kind: "case", name: "test_p[2]", file: "/p/tests/test_u.py", range: { line: 9 } });
    b.add({ v, type: "collect_error", nodeid: "tests/test_broken.py", file: "/p/tests/test_broken.py", message: "SyntaxError: invalid syntax", longrepr: "" });
    assert.deepEqual(b.roots.map(shape), [
      ["folder", "tests", [
        ["file", "test_u.py", [
          ["class", "TestUser", [["function", "test_email"]]],
          ["function", "test_p", [["case", "[1]"], ["case", "[2]"]]],
        ]],
        ["file", "test_broken.py"],
      ]],
    ]);
    assert.equal(b.get("tests/test_broken.py")?.error, "SyntaxError: invalid syntax");
    assert.deepEqual(b.get("tests/test_u.py::TestUser::test_email")?.range, { line: 4 });
    assert.equal(b.get("tests/test_u.py::test_p[2]")?.file, "/p/tests/test_u.py");
  });
});
