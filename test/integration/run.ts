// Runs the integration suite inside a real VS Code. Host: ORM_TD_HOST=server (default) | desktop.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runOnDesktop } from "./desktopHost";
import type { HostOptions } from "./hostOptions";
import { runOnServer } from "./serverHost";

/** Copies the example projects into a temp multi-root workspace, so runs write their databases
 * there and never into the repository. */
function prepareWorkspace(repoRoot: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "otd-ws-"));
  const folders: string[] = [];
  for (const [from, name] of WORKSPACE_FOLDERS) {
    // Not the marker of earlier runs in the repository (see runner/basic/conftest.py).
    fs.cpSync(path.join(repoRoot, "test", "fixtures", from), path.join(dir, name), { recursive: true, filter: (src) => path.basename(src) !== ".pytest-ran" });
    folders.push(name);
  }
  const settings = { "ormTestDoctor.python": "/usr/bin/python3", "python.terminal.activateEnvironment": false };
  const file = path.join(dir, "otd.code-workspace");
  fs.writeFileSync(file, JSON.stringify({ folders: folders.map((p) => ({ path: p })), settings }, null, 2));
  return file;
}

const WORKSPACE_FOLDERS: ReadonlyArray<[string, string]> = [
  ["projects/commit_factory", "commit_factory"],
  ["projects/clean", "clean"],
  ["projects/session_pending_rollback", "session_pending_rollback"],
  ["runner/basic", "basic"],
  ["runner/broken", "broken"],
  ["runner/slow", "slow"],
  ["projects/drift_legacy", "drift_legacy"],
  ["projects/global_state_polluter", "global_state_polluter"],
  ["editor/seed_like", "seed_like"],
];

/** Packages the VSIX and installs it into a fresh extensions folder, as a user would. */
function installVsix(repoRoot: string): string {
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { cwd: repoRoot, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  run("npm", ["run", "--silent", "package"]);
  const vsix = path.join(repoRoot, "dist-vsix", "orm-test-doctor-linux-x64.vsix");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "otd-vsix-ext-"));
  const cache = path.join(repoRoot, ".cache", "vscode-server");
  const node24 = path.join(cache, "node24", "node_modules", "node", "bin", "node");
  const serverMain = path.join(cache, "cs", "node_modules", "code-server", "lib", "vscode", "out", "server-main.js");
  run(node24, [serverMain, "--install-extension", vsix, "--extensions-dir", dir, "--accept-server-license-terms"]);
  // VS Code runs a test suite only for an extension under development, so the installed folder
  // itself is given as the development path: what runs is exactly what the VSIX holds.
  const installed = fs.readdirSync(dir).find((d) => d.startsWith("orm-test-doctor.orm-test-doctor-"));
  if (!installed) throw new Error(`the VSIX did not install into ${dir}`);
  return path.join(dir, installed);
}

/** Installs the stand-in for the Python extension (test/fixtures/extensions/fake-python) into a
 * fresh extensions folder: the real one cannot be installed offline, and the interpreter tests
 * need an extension that reports an active environment and announces switches. */
function extensionsWithFakePython(repoRoot: string): string {
  const cache = path.join(repoRoot, ".cache", "vscode-server");
  const node24 = path.join(cache, "node24", "node_modules", "node", "bin", "node");
  const serverMain = path.join(cache, "cs", "node_modules", "code-server", "lib", "vscode", "out", "server-main.js");
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "otd-fakepy-"));
  const vsix = path.join(work, "fake-python.vsix");
  const vsce = path.join(repoRoot, "node_modules", "@vscode", "vsce", "vsce");
  const src = path.join(repoRoot, "test", "fixtures", "extensions", "fake-python");
  for (const [cmd, args, cwd] of [
    [process.execPath, [vsce, "package", "--allow-missing-repository", "--skip-license", "--out", vsix], src],
    [node24, [serverMain, "--install-extension", vsix, "--extensions-dir", path.join(work, "ext"), "--accept-server-license-terms"], repoRoot],
  ] as const) {
    const r = spawnSync(cmd, [...args], { cwd, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${path.basename(cmd)} ${args.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
  }
  return path.join(work, "ext");
}

function readCounts(file: string): { passed: number; failed: number; pending: number } {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as { passed: number; failed: number; pending: number };
  } catch {
    return { passed: 0, failed: 0, pending: 0 };
  }
}

async function main(): Promise<number> {
  const repoRoot = path.resolve(__dirname, "..", "..", "..");
  const logDir = path.join(repoRoot, "test-results");
  fs.mkdirSync(logDir, { recursive: true });
  const host = process.env["ORM_TD_HOST"] ?? "server";
  // Pass "dev" loads the extension from the repository; pass "vsix" installs the packaged VSIX
  // and runs the same suite against it (catches a .wasm, the plugin or the binding left out).
  // Pass "untrusted" starts VS Code with workspace trust on and checks that nothing runs.
  const passes = host !== "server" ? ["dev"] : process.env["ORM_TD_VSIX"] === "0" ? ["dev", "untrusted"] : ["dev", "untrusted", "vsix"];
  const total = { passed: 0, failed: 0, pending: 0 };
  let code = 0;
  for (const pass of passes) {
    const counts = path.join(logDir, `integration-${pass}-counts.json`);
    fs.rmSync(counts, { force: true });
    const opts: HostOptions = {
      repoRoot,
      workspace: process.env["ORM_TD_WORKSPACE"] ?? prepareWorkspace(repoRoot),
      extensionDevelopmentPath: pass === "vsix" ? installVsix(repoRoot) : repoRoot,
      extensionTestsPath: path.join(__dirname, "index"),
      // The desktop host runs with --disable-extensions: no stand-in there (its test skips).
      ...(host === "server" ? { extensionsDir: extensionsWithFakePython(repoRoot) } : {}),
      logDir,
      env: {
        ORM_TD_REPO: repoRoot,
        ORM_TD_PASS: pass,
        ORM_TD_HOST: host,
        // Only the server host takes screenshots (serverHost.ts takeScreenshot).
        ...(host === "server" ? { ORM_TD_SHOT_PREFIX: `${pass}-`, ORM_TD_SHOT_DIR: logDir } : {}),
        ORM_TD_LOG_FILE: path.join(logDir, `integration-${pass}-mocha.log`),
        ORM_TD_COUNTS_FILE: counts,
      },
      trusted: pass !== "untrusted",
      timeoutMs: Number(process.env["ORM_TD_TIMEOUT_MS"] ?? 900_000),
      verbose: process.env["ORM_TD_VERBOSE"] === "1",
    };
    console.log(`\n[integration] host=${host} pass=${pass} workspace=${opts.workspace}`);
    const passCode = host === "desktop" ? await runOnDesktop(opts) : await runOnServer(opts);
    const c = readCounts(counts);
    if (passCode !== 0 && c.failed === 0) c.failed = 1; // the host failed before any test could
    total.passed += c.passed;
    total.failed += c.failed;
    total.pending += c.pending;
    code ||= passCode;
  }
  const out = process.env["ORM_TD_COUNTS_FILE"];
  if (out) fs.writeFileSync(out, JSON.stringify(total));
  return code;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`[integration] ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  },
);
