// Runs the integration suite inside a real VS Code. Host: ORM_TD_HOST=server (default) | desktop.
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
    fs.cpSync(path.join(repoRoot, "test", "fixtures", from), path.join(dir, name), { recursive: true });
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
];

async function main(): Promise<number> {
  const repoRoot = path.resolve(__dirname, "..", "..", "..");
  const logDir = path.join(repoRoot, "test-results");
  fs.mkdirSync(logDir, { recursive: true });
  const vsix = process.env["ORM_TD_VSIX_EXTENSIONS_DIR"];
  const opts: HostOptions = {
    repoRoot,
    workspace: process.env["ORM_TD_WORKSPACE"] ?? prepareWorkspace(repoRoot),
    ...(vsix ? { extensionsDir: vsix } : { extensionDevelopmentPath: repoRoot }),
    extensionTestsPath: path.join(__dirname, "index"),
    logDir,
    env: {
      ORM_TD_REPO: repoRoot,
      ORM_TD_LOG_FILE: path.join(logDir, "integration-mocha.log"),
      ORM_TD_COUNTS_FILE: process.env["ORM_TD_COUNTS_FILE"] ?? path.join(logDir, "integration-counts.json"),
    },
    timeoutMs: Number(process.env["ORM_TD_TIMEOUT_MS"] ?? 600_000),
    verbose: process.env["ORM_TD_VERBOSE"] === "1",
  };
  const host = process.env["ORM_TD_HOST"] ?? "server";
  console.log(`[integration] host=${host} workspace=${opts.workspace}`);
  return host === "desktop" ? runOnDesktop(opts) : runOnServer(opts);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`[integration] ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  },
);
