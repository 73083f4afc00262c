// The Debug profile: pytest under debugpy, with our plugin still reporting over its socket so
// results land in the Test Explorer as in a normal run. The Python Debugger extension is used
// when installed; without it, debugpy's own adapter from the test interpreter is started.
import { execFile } from "node:child_process";
import * as vscode from "vscode";
import { LineSplitter, parseMessage, pytestEnv } from "../core/runner";
import { listen } from "../core/runner/server";
import type { FolderTests } from "./folderTests";
import type { Log } from "./log";
import { RunReporter, selection, type TestFinished } from "./runHandler";

const DEBUGGER_EXTENSION = "ms-python.debugpy";
/** Our own debug type (package.json "debuggers"): debugpy's adapter, `python -m debugpy.adapter`. */
export const FALLBACK_DEBUG_TYPE = "ormTestDoctor.debugpy";
const SESSION_KEY = "ormTestDoctorSession";

let sessions = 0;

/** Serves FALLBACK_DEBUG_TYPE: the adapter runs on the interpreter the configuration names. */
export function registerFallbackDebugger(): vscode.Disposable {
  return vscode.debug.registerDebugAdapterDescriptorFactory(FALLBACK_DEBUG_TYPE, {
    createDebugAdapterDescriptor: (session) => {
      const python = (session.configuration["python"] as string | undefined) ?? "python3";
      return new vscode.DebugAdapterExecutable(python, ["-m", "debugpy.adapter"], { env: session.configuration["env"] as Record<string, string> });
    },
  });
}

function hasDebugpy(python: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  return new Promise((resolve) => execFile(python, ["-c", "import debugpy.adapter"], { env, timeout: 15_000 }, (err) => resolve(!err)));
}

export async function debugFolder(tests: FolderTests, items: readonly vscode.TestItem[], testRun: vscode.TestRun, token: vscode.CancellationToken, log: Log, onFinished?: (f: TestFinished) => void, notify?: (message: string) => void): Promise<string | undefined> {
  const problem = (msg: string): string => {
    testRun.appendOutput(msg + "\r\n");
    notify?.(msg);
    return msg;
  };
  const opts = await tests.options();
  if (typeof opts === "string") return problem(opts);
  const viaExtension = vscode.extensions.getExtension(DEBUGGER_EXTENSION) !== undefined;
  if (!viaExtension && !(await hasDebugpy(opts.python, { ...process.env, ...opts.env }))) {
    return problem(`Debugging tests needs the Python Debugger extension (${DEBUGGER_EXTENSION}) or debugpy in ${opts.python}. Install one of them, or use the Run profile.`);
  }
  const reporter = new RunReporter(tests, testRun, onFinished);
  const server = await listen(() => {
    const lines = new LineSplitter((line) => {
      const parsed = parseMessage(line);
      if (parsed.ok) reporter.onMessage(parsed.message);
      else log.warn(`plugin: ${parsed.error.reason}`);
    }, (size) => log.warn(`plugin: line longer than ${size} bytes dropped`));
    return { onData: (c) => lines.push(c), onEnd: () => lines.end() };
  });
  const id = `${process.pid}-${++sessions}`;
  const subs: vscode.Disposable[] = [];
  try {
    const env = pytestEnv(opts, server.address);
    const config: vscode.DebugConfiguration = {
      type: viaExtension ? "debugpy" : FALLBACK_DEBUG_TYPE,
      name: `ORM Test Doctor: debug tests (${tests.folder.name})`,
      request: "launch",
      module: "pytest",
      args: ["-p", "orm_test_doctor.plugin", ...(opts.args ?? []), ...selection(items)],
      cwd: opts.cwd,
      env,
      python: opts.python,
      justMyCode: false,
      console: "internalConsole",
      purpose: ["debug-test"],
      [SESSION_KEY]: id,
    };
    // This run's session only: another debug session (or another of our runs) is left alone.
    let session: vscode.DebugSession | undefined;
    const ended = new Promise<void>((resolve) => {
      subs.push(
        vscode.debug.onDidStartDebugSession((s) => {
          if (s.configuration[SESSION_KEY] === id) session ??= s;
        }),
        vscode.debug.onDidTerminateDebugSession((s) => {
          if (s.configuration[SESSION_KEY] === id) resolve();
        }),
      );
    });
    subs.push(token.onCancellationRequested(() => void (session ? vscode.debug.stopDebugging(session) : undefined)));
    const started = await vscode.debug.startDebugging(tests.folder, config, { testRun });
    if (!started) return problem("The debugger did not start.");
    session ??= vscode.debug.activeDebugSession?.configuration[SESSION_KEY] === id ? vscode.debug.activeDebugSession : undefined;
    if (token.isCancellationRequested && session) void vscode.debug.stopDebugging(session);
    await ended;
    await server.drain(1000);
    reporter.settle();
    return undefined;
  } finally {
    subs.forEach((s) => s.dispose());
    server.close();
  }
}
