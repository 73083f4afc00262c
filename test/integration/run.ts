// Runs the integration suite inside a real VS Code. Host: ORM_TD_HOST=server (default) | desktop.
import * as fs from "node:fs";
import * as path from "node:path";
import { runOnDesktop } from "./desktopHost";
import type { HostOptions } from "./hostOptions";
import { runOnServer } from "./serverHost";

async function main(): Promise<number> {
  const repoRoot = path.resolve(__dirname, "..", "..", "..");
  const logDir = path.join(repoRoot, "test-results");
  fs.mkdirSync(logDir, { recursive: true });
  const vsix = process.env["ORM_TD_VSIX_EXTENSIONS_DIR"];
  const opts: HostOptions = {
    repoRoot,
    workspace: process.env["ORM_TD_WORKSPACE"] ?? path.join(repoRoot, "test", "fixtures", "projects", "commit_factory"),
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
