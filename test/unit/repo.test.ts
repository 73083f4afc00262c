import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { repoRoot } from "../util";

// Notes beside the repository and one machine's folders; written so this file does not match itself.
const OUTSIDE = /\.\.\/shared\/|\/work\/|\/root\/|\/home\/[^/\s]+\//;
// Recorded real pytest output: the paths in it are what pytest printed and what the parsers read.
const RECORDED = /^test\/unit\/failures\/samples\/[^/]+\.(txt|xml|jsonl)$/;

describe("repository", () => {
  it("no file points outside the repository or at one machine's folders", () => {
    const root = repoRoot();
    const r = spawnSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], { cwd: root, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const hits: string[] = [];
    for (const rel of r.stdout.split("\0")) {
      if (!rel || rel === "package-lock.json" || RECORDED.test(rel)) continue;
      const file = path.join(root, rel);
      if (!fs.existsSync(file) || !fs.statSync(file).isFile()) continue;
      const bytes = fs.readFileSync(file);
      if (bytes.includes(0)) continue; // binary
      bytes.toString("utf8").split("\n").forEach((line, i) => {
        if (OUTSIDE.test(line)) hits.push(`${rel}:${i + 1}: ${line.trim()}`);
      });
    }
    assert.deepEqual(hits, []);
  });
});
