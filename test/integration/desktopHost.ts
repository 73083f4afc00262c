// Host "desktop": @vscode/test-electron. It downloads VS Code unless VSCODE_EXECUTABLE names an
// installed one; machines without the VS Code update service need the "server" host instead.
import { runTests } from "@vscode/test-electron";
import type { HostOptions } from "./hostOptions";

export async function runOnDesktop(opts: HostOptions): Promise<number> {
  const executable = process.env["VSCODE_EXECUTABLE"];
  try {
    return await runTests({
      ...(executable ? { vscodeExecutablePath: executable } : {}),
      extensionDevelopmentPath: opts.extensionDevelopmentPath ?? opts.repoRoot,
      extensionTestsPath: opts.extensionTestsPath,
      launchArgs: [opts.workspace, "--disable-extensions", "--disable-workspace-trust"],
      extensionTestsEnv: opts.env,
    });
  } catch (err) {
    process.stderr.write(`desktop host failed: ${String(err)}\n`);
    return 1;
  }
}
