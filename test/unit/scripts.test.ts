// The README's commands are what CI runs, and the set-up survives being started from `npm run`.
import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { repoRoot } from "../util";

const root = repoRoot();
const read = (f: string) => fs.readFileSync(path.join(root, f), "utf8");

/** The commands of the README's first sh block, comments removed. */
function readmeCommands(): string[] {
  const block = /```sh\n([\s\S]*?)```/.exec(read("README.md"))?.[1] ?? "";
  return block.split("\n").map((l) => l.replace(/#.*$/, "").trim()).filter(Boolean);
}

describe("README commands and CI", () => {
  it("the README starts with npm run demo and npm test", () => {
    assert.deepEqual(readmeCommands(), ["npm run demo", "npm test"]);
  });

  it("the README states measured first-run times, not placeholders", () => {
    const readme = read("README.md");
    assert.doesNotMatch(readme, /\bTIME_[A-Z0-9]+\b/);
    assert.match(readme, /First runs on a fresh 2-core machine: `npm run demo` about \d+ min/);
  });

  it(".ci/run runs exactly the README's commands, with no set-up step of its own", () => {
    const commands = read(".ci/run").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"))
      .filter((l) => /^(npm|bash|node|sh|\.\/|scripts\/)/.test(l))
      .map((l) => l.replace(/\s*2>&1.*$/, ""));
    assert.deepEqual(commands, readmeCommands());
    assert.doesNotMatch(read(".ci/run"), /setup\.sh/);
  });

  it("npm run demo sets up only the demo's part (no Chromium, no VS Code server)", () => {
    assert.match(read("scripts/demo.sh"), /^bash scripts\/setup\.sh demo$/m);
    const setup = read("scripts/setup.sh");
    const demoPkgs = /^APT_PKGS=\(([^)]*)\)/m.exec(setup)?.[1] ?? "";
    assert.doesNotMatch(demoPkgs, /chromium|postgresql|mariadb|libkrb5/);
    assert.match(setup, /if want integration; then\n\s+bash scripts\/install-vscode-server\.sh/);
  });

  it("the VS Code server install drops what an outer `npm run` says about itself", () => {
    // code-server's postinstall reads the Node version from npm_config_user_agent; an outer
    // `npm run` on Node 20 exports it, and the install under Node 24 then refused to run.
    const script = read("scripts/install-vscode-server.sh");
    const fn = /^clean_npm_env\(\) \{[\s\S]*?^\}$/m.exec(script)?.[0];
    assert.ok(fn, "install-vscode-server.sh defines clean_npm_env");
    const out = execFileSync("bash", ["-c", `${fn}\nclean_npm_env env`], {
      encoding: "utf8",
      env: { PATH: process.env["PATH"] ?? "", npm_config_user_agent: "npm/11 node/v20.20.2 linux x64", npm_lifecycle_event: "demo", npm_config_registry: "https://registry.example/" },
    });
    assert.doesNotMatch(out, /npm_config_user_agent|npm_lifecycle_event/);
    assert.match(out, /npm_config_registry=https:\/\/registry\.example\//, "the user's npm settings stay");
  });

  it("the CLI is the package's bin: dist/cli.js starts with a shebang and is executable", () => {
    const pkg = JSON.parse(read("package.json")) as { bin: Record<string, string> };
    assert.equal(pkg.bin["orm-test-doctor"], "dist/cli.js");
    const file = path.join(root, "dist", "cli.js");
    assert.match(fs.readFileSync(file, "utf8").slice(0, 40), /^#!\/usr\/bin\/env node\n/);
    assert.ok((fs.statSync(file).mode & 0o111) !== 0, "executable");
    const r = spawnSync(file, ["diagnose", "--python"], { encoding: "utf8" });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--python/);
  });
});
