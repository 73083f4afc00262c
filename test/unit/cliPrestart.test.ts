// The package's bin (dist/cli.js) starts pytest for `diagnose <folder>` before it loads the rest
// of the CLI, which then takes the run over (src/cli/prestart.ts). Same documents as the CLI
// loaded whole; nothing lost or left behind when the handover goes another way.
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { DiagnoseDocument } from "../../src/core/causes/document";
import type { RunnerEvent } from "../../src/core/runner";
import { pluginDir } from "../../src/cli/args";
import { startEarly, takePrestart } from "../../src/cli/prestart";
import { realPath } from "../../src/core/realPath";
import { fixturePath, processesWith, pythonStacks, repoRoot } from "../util";

const whole = path.join(repoRoot(), "out", "src", "cli", "main.js");
const bin = path.join(repoRoot(), "dist", "cli.js");

function copyOf(...parts: string[]): string {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "otd-pre-"));
  const dir = path.join(work, parts[parts.length - 1]!);
  fs.cpSync(fixturePath(...parts), dir, { recursive: true, filter: (src) => !src.endsWith(".db") && !src.includes("__pycache__") });
  return dir;
}

function diagnoseWith(entry: string, dir: string, env: Record<string, string>): DiagnoseDocument {
  const r = spawnSync(process.execPath, [entry, "diagnose", dir, "--python", "/usr/bin/python3", "--json"], { encoding: "utf8", env: { ...process.env, ...env }, timeout: 120_000 });
  assert.equal(r.status, 1, r.stderr);
  const doc = JSON.parse(r.stdout) as DiagnoseDocument;
  return { ...doc, summary: { ...doc.summary, durationMs: 0 } };
}

describe("command line: pytest started before the rest of the CLI loads", function () {
  this.timeout(180_000);

  for (const stack of pythonStacks()) {
    for (const project of ["commit_factory", "shared_session"]) {
      it(`${project} (${stack.name}): the bin's document is the whole CLI's`, () => {
        const a = copyOf("projects", project);
        const b = copyOf("projects", project);
        try {
          const early = diagnoseWith(bin, a, stack.env);
          const late = diagnoseWith(whole, b, stack.env);
          assert.ok(early.failures.length > 0 && early.failures.every((f) => f.causes.length > 0), JSON.stringify(early.failures));
          // the same but for the folder and objects' addresses in messages
          const plain = (doc: DiagnoseDocument, dir: string): unknown => JSON.parse(JSON.stringify(doc).split(dir).join("DIR").replace(/0x[0-9a-f]+/g, "0x"));
          assert.deepEqual(plain(early, a), plain(late, b));
        } finally {
          fs.rmSync(path.dirname(a), { recursive: true, force: true });
          fs.rmSync(path.dirname(b), { recursive: true, force: true });
        }
      });
    }
  }

  it("a signal at once, while the rest loads: pytest ends, the socket folder goes, exit 130", async () => {
    const dir = copyOf("runner", "slow");
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "otd-pre-tmp-"));
    try {
      const child = spawn(process.execPath, [bin, "diagnose", dir, "--python", "/usr/bin/python3"], { env: { ...process.env, TMPDIR: tmp, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
      let err = "";
      child.stderr.on("data", (b: Buffer) => (err += b.toString()));
      // the moment pytest exists: the rest of the CLI needs some 40 ms more to load
      while (!processesWith(dir, "command").some((pid) => pid !== child.pid)) await new Promise((r) => setTimeout(r, 2));
      child.kill("SIGINT");
      const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
      assert.equal(code, 130, err);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(processesWith(dir, "command"), [], "processes left behind");
      assert.deepEqual(fs.readdirSync(tmp), [], "left in TMPDIR");
    } finally {
      fs.rmSync(path.dirname(dir), { recursive: true, force: true });
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("taken over: the events before and after, each once, in order; for another plan: cancelled, nothing left", async () => {
    const dir = copyOf("runner", "basic");
    try {
      const handlers = process.listenerCount("SIGINT");
      const plan = { python: "/usr/bin/python3", cwd: realPath(dir), pluginDir: pluginDir(), args: [] as string[], trace: true };
      startEarly(["diagnose", dir, "--python", "/usr/bin/python3"]);
      await new Promise((r) => setTimeout(r, 1500)); // some events arrive before the takeover
      const seen: RunnerEvent[] = [];
      const taking = takePrestart(plan, (e) => seen.push(e));
      assert.ok(seen.length > 0, "what came before the takeover is replayed at once");
      const result = await taking;
      assert.ok(result, "taken over");
      const messages = seen.flatMap((e) => (e.type === "message" ? [e.message] : []));
      assert.deepEqual(messages, result.messages);
      assert.ok(messages.some((m) => m.type === "hello") && messages.some((m) => m.type === "session_finished"));
      assert.equal(await takePrestart(plan, () => undefined), undefined, "taken once");

      startEarly(["diagnose", dir, "--python", "/usr/bin/python3", "--no-trace"]);
      assert.equal(await takePrestart(plan, () => undefined), undefined, "another plan is not taken over");
      assert.deepEqual(processesWith(dir, "command"), [], "its pytest was ended");
      assert.equal(process.listenerCount("SIGINT"), handlers, "its signal handlers are gone");
    } finally {
      fs.rmSync(path.dirname(dir), { recursive: true, force: true });
    }
  });
});
