import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { Readable } from "node:stream";
import { failuresFromFile, failuresFromStream, failuresFromText } from "../../../src/core/failures/read";
import { fixturePath } from "../../util";

const sample = (name: string) => fixturePath("..", "unit", "failures", "samples", name);

describe("failures: reading saved output", () => {
  it("gives the same failures from text in memory, a chunked stream and a file", async () => {
    const text = fs.readFileSync(sample("legacy-tb-long.txt"), "utf8");
    const whole = failuresFromText(text);
    assert.ok(whole.some((f) => f.db?.kind === "unique"), "the sample holds a UNIQUE failure");
    const chunks = Readable.from(text.match(/[\s\S]{1,997}/g) ?? []);
    assert.deepEqual(await failuresFromStream(chunks), whole);
    assert.deepEqual(await failuresFromFile(sample("legacy-tb-long.txt")), whole);
  });

  it("recognises junit XML in memory and by file name", async () => {
    const xml = fs.readFileSync(sample("modern-junit-xunit1.xml"), "utf8");
    const fromText = failuresFromText(xml);
    assert.ok(fromText.length > 0);
    assert.ok(fromText.every((f) => f.source === "junit"));
    assert.deepEqual(await failuresFromFile(sample("modern-junit-xunit1.xml")), fromText);
  });
});
