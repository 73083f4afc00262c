// The CLI under Ctrl-C, kill and a long TMPDIR: pytest and everything it started end with it,
// the socket folder goes, the exit code says which signal; a long TMPDIR loses no result.
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { socketDir } from "../../src/core/runner/server";
import { fixturePath, processesWith, repoRoot } from "../util";

const cli = path.join(repoRoot(), "out", "src", "cli", "main.js");
// the package's bin, which starts pytest before it loads the rest of the CLI (prestart.ts)
const bin = path.join(repoRoot(), "dist", "cli.js");

async function interrupt(command: string, signal: NodeJS.Signals, project: string, entry = cli): Promise<{ code: number | null; tmp: string; dir: string; out: string }> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "otd-sig-"));
  const tmp = path.join(work, "tmp");
  fs.mkdirSync(tmp);
  const dir = path.join(work, "project-under-signal");
  fs.cpSync(fixturePath("runner", project), dir, { recursive: true });
  const child = spawn(process.execPath, [entry, command, dir, "--python", "/usr/bin/python3"], { env: { ...process.env, TMPDIR: tmp, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const seen = new Promise<void>((resolve) => {
    const look = (b: Buffer) => {
      out += b.toString();
      // the slow tests are running once pytest has started them
      if (processesWith(dir, "command").some((pid) => pid !== child.pid)) resolve();
    };
    child.stdout.on("data", look);
    child.stderr.on("data", look);
    const poll = setInterval(() => processesWith(dir, "command").some((pid) => pid !== child.pid) && (clearInterval(poll), resolve()), 100);
  });
  await seen;
  await new Promise((r) => setTimeout(r, 700)); // into the sleeping test
  const sent = Date.now();
  child.kill(signal);
  const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
  assert.ok(Date.now() - sent < 6000, `exit took ${Date.now() - sent} ms`);
  return { code, tmp, dir, out };
}

describe("command line: signals and the socket folder", function () {
  this.timeout(60_000);

  for (const [command, signal, code, entry] of [["run", "SIGINT", 130, cli], ["diagnose", "SIGTERM", 143, cli], ["run", "SIGHUP", 129, cli], ["diagnose", "SIGINT", 130, bin]] as const) {
    it(`${command} + ${signal}${entry === bin ? " (the bin, pytest started early)" : ""}: pytest's whole tree ends, the socket folder goes, exit ${code}`, async () => {
      const r = await interrupt(command, signal, "slow", entry);
      assert.equal(r.code, code, r.out);
      await new Promise((res) => setTimeout(res, 300));
      assert.deepEqual(processesWith(r.dir, "command"), [], "processes left behind");
      assert.deepEqual(fs.readdirSync(r.tmp), [], "left in TMPDIR");
    });
  }

  it("a process that ignores SIGTERM and a grandchild in its own session are killed too", async () => {
    const r = await interrupt("run", "SIGINT", "stubborn");
    assert.equal(r.code, 130, r.out);
    await new Promise((res) => setTimeout(res, 500));
    // the grandchild runs `python -c ...` with its cwd in the project copy
    assert.deepEqual(processesWith(r.dir, "command"), [], "processes left behind");
  });

  it("a TMPDIR too long for a Unix socket path: the socket goes to a short private folder and no result is lost", () => {
    const long = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "otd-long-")), "t".repeat(110 - os.tmpdir().length));
    fs.mkdirSync(long, { recursive: true });
    const d = socketDir(long);
    assert.ok(d && d.startsWith("/tmp/otd-") && Buffer.byteLength(path.join(d, "s.sock")) <= 103, d);
    fs.rmSync(d, { recursive: true, force: true });
    const dir = path.join(path.dirname(long), "p");
    fs.cpSync(fixturePath("runner", "basic"), dir, { recursive: true });
    const r = spawnSync(process.execPath, [cli, "run", dir, "--python", "/usr/bin/python3"], { encoding: "utf8", env: { ...process.env, TMPDIR: long } });
    assert.match(r.stdout, /\d+ passed, \d+ failed/);
    assert.doesNotMatch(r.stdout, /^0 passed, 0 failed/m);
    assert.deepEqual(fs.readdirSync(long), []);
    fs.rmSync(path.dirname(long), { recursive: true, force: true });
  });
});
