import * as assert from "node:assert/strict";
import { PROTOCOL_VERSION as v } from "../../../src/core/protocol";
import { LineSplitter, parseMessage } from "../../../src/core/runner";

describe("runner: message lines", () => {
  it("joins partial chunks, including a UTF-8 character split across chunks", () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l), () => assert.fail("overflow"));
    const bytes = Buffer.from('{"a":"é"}\n{"b":1}\n{"c"', "utf8");
    const cut = bytes.indexOf(0xa9); // second byte of "é"
    s.push(bytes.subarray(0, cut));
    s.push(bytes.subarray(cut));
    s.push(":2}");
    assert.deepEqual(lines, ['{"a":"é"}', '{"b":1}']);
    s.end();
    assert.deepEqual(lines, ['{"a":"é"}', '{"b":1}', '{"c":2}']);
  });

  it("parses a valid message", () => {
    const p = parseMessage(`{"v":${v},"type":"started","nodeid":"t.py::a","extra":true}`);
    assert.ok(p.ok);
    assert.equal(p.message.type, "started");
  });

  it("parses a provenance message (runtime provenance of one test)", () => {
    const line = JSON.stringify({
      v, type: "provenance", nodeid: "t.py::a",
      writes: [{ engine: "e1", table: "users", op: "insert", phase: "call", by: { kind: "factory", factory: { name: "UserFactory", persistence: "commit" } }, count: 1, committed: 1, rolledBack: 0, keys: [{ email: ["a@x"] }], checked: 1, survived: 1 }],
      conflicts: [],
    });
    const p = parseMessage(line);
    assert.ok(p.ok);
    assert.ok(p.message.type === "provenance" && p.message.writes?.[0]?.by.factory?.persistence === "commit");
    assert.equal(parseMessage(JSON.stringify({ v, type: "provenance" })).ok, false, "a provenance message names its test");
  });

  it("turns bad lines into protocol errors instead of throwing", () => {
    const cases: Array<[string, RegExp]> = [
      ["not json", /not JSON/],
      ["[1]", /not a JSON object/],
      [`{"v":${v + 1},"type":"started","nodeid":"x"}`, new RegExp(`protocol version ${v + 1}, expected ${v}`)],
      [`{"v":${v},"type":"nope"}`, /unknown message type/],
      [`{"v":${v},"type":"finished","nodeid":"x","outcome":"weird","duration":0}`, /outcome/],
      [`{"v":${v},"type":"report","nodeid":"x","when":"call","outcome":"passed"}`, /duration/],
    ];
    for (const [line, reason] of cases) {
      const p = parseMessage(line);
      assert.ok(!p.ok, line);
      assert.match(p.error.reason, reason);
    }
  });
});
