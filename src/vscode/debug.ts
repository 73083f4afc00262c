// The Debug profile: pytest under the Python Debugger extension (debugpy), with our plugin still
// reporting over its socket so results land in the Test Explorer as in a normal run.
import * as vscode from "vscode";
import { LineSplitter, parseMessage, pytestEnv } from "../core/runner";
import { listen } from "../core/runner/server";
import type { FolderTests } from "./folderTests";
import { RunReporter, selection, type TestFinished } from "./runHandler";

const DEBUGGER_EXTENSION = "ms-python.debugpy";

export async function debugFolder(tests: FolderTests, items: readonly vscode.TestItem[], testRun: vscode.TestRun, token: vscode.CancellationToken, log: vscode.LogOutputChannel, onFinished?: (f: TestFinished) => void): Promise<string | undefined> {
  const problem = (msg: string): string => {
    testRun.appendOutput(msg + "\r\n");
    void vscode.window.showErrorMessage(`ORM Test Doctor: ${msg}`);
    return msg;
  };
  if (!vscode.extensions.getExtension(DEBUGGER_EXTENSION)) {
    return problem("Debugging tests needs the Python Debugger extension (ms-python.debugpy). Install it, or use the Run profile.");
  }
  const opts = await tests.options();
  if (typeof opts === "string") return problem(opts);
  const reporter = new RunReporter(tests, testRun, onFinished);
  const server = await listen(() => {
    const lines = new LineSplitter((line) => {
      const parsed = parseMessage(line);
      if (parsed.ok) reporter.onMessage(parsed.message);
      else log.warn(`plugin: ${parsed.error.reason}`);
    }, (size) => log.warn(`plugin: line longer than ${size} bytes dropped`));
    return { onData: (c) => lines.push(c), onEnd: () => lines.end() };
  });
  try {
    const env = pytestEnv(opts, server.address);
    const config: vscode.DebugConfiguration = {
      type: "debugpy",
      name: "ORM Test Doctor: debug tests",
      request: "launch",
      module: "pytest",
      args: ["-p", "orm_test_doctor.plugin", ...(opts.args ?? []), ...selection(items)],
      cwd: opts.cwd,
      env,
      python: opts.python,
      justMyCode: false,
      purpose: ["debug-test"],
    };
    const ended = new Promise<void>((resolve) => {
      const sub = vscode.debug.onDidTerminateDebugSession((s) => {
        if (s.configuration.name === config.name) {
          sub.dispose();
          resolve();
        }
      });
    });
    const started = await vscode.debug.startDebugging(tests.folder, config, { testRun });
    if (!started) return problem("The debugger did not start.");
    const cancel = token.onCancellationRequested(() => void vscode.debug.stopDebugging());
    await ended;
    cancel.dispose();
    await server.drain(1000);
    return undefined;
  } finally {
    server.close();
  }
}
