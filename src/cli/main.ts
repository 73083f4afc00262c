// The command-line face of the core: `diagnose` names the cause of every database failure from
// one traced run (or reads saved output); `run` runs a project and groups its failures.
import * as fs from "node:fs";
import * as path from "node:path";
import { fromPluginError } from "../core/failures/plugin";
import { groupFailures } from "../core/failures/group";
import type { Failure } from "../core/failures/model";
import type { Message } from "../core/protocol";
import { findInterpreter, RunnerError, run } from "../core/runner";
import { formatGroups } from "../core/report";
import { checkCommand } from "./check";
import { diagnoseCommand, UsageError } from "./diagnose";

const USAGE = `usage:
  orm-test-doctor diagnose [PATH] [--python PY] [--json | --format text|json|github] [--no-trace] [-- pytest args]
      PATH: a project folder (default: the current one), run once with tracing; or a saved
      pytest output, junit XML, or - for standard input
  orm-test-doctor check [PATH] [--json]
      static check of factories and test calls against the models (no run): unknown fields,
      missing required columns, unknown enum members, dangling foreign keys
  orm-test-doctor run <project folder> [--python <interpreter>] [-- <pytest args>]`;

const MARK: Record<string, string> = { passed: "✓", failed: "✗", errored: "E", skipped: "s" };

function pluginDir(): string {
  // dist/cli.js in the bundle and out/src/cli/main.js in development both sit below the repo root.
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "python", "orm_test_doctor", "plugin.py"))) return path.join(dir, "python");
  }
  throw new Error("the pytest plugin (python/orm_test_doctor) was not found next to the CLI");
}

async function runCommand(args: string[]): Promise<number> {
  const dash = args.indexOf("--");
  const own = dash >= 0 ? args.slice(0, dash) : args;
  const pytestArgs = dash >= 0 ? args.slice(dash + 1) : [];
  const pyAt = own.indexOf("--python");
  const python = pyAt >= 0 ? own[pyAt + 1] : process.env["ORM_TD_PYTHON"];
  const folder = own.find((a, i) => !a.startsWith("--") && (pyAt < 0 || i !== pyAt + 1));
  if (!folder || !fs.statSync(folder, { throwIfNoEntry: false })?.isDirectory()) {
    console.error(`not a folder: ${folder ?? "(none)"}\n${USAGE}`);
    return 2;
  }
  const cwd = path.resolve(folder);
  const py = await findInterpreter(python ? [python] : ["python3", "python"], { cwd });
  console.log(`Running pytest ${py.pytestVersion} (Python ${py.version}, ${py.executable}) in ${cwd}\n`);
  const failures: Failure[] = [];
  const counts: Record<string, number> = {};
  let rootdir = cwd;
  const result = await run({ python: py.path, cwd, pluginDir: pluginDir(), args: pytestArgs }, [], (e) => {
    if (e.type !== "message") return;
    const m: Message = e.message;
    if (m.type === "hello") rootdir = m.rootdir;
    if (m.type === "report" && m.outcome === "failed" && m.error) failures.push(fromPluginError(m.nodeid, m.when, m.error, { projectRoot: rootdir }));
    if (m.type === "finished") {
      counts[m.outcome] = (counts[m.outcome] ?? 0) + 1;
      console.log(`  ${MARK[m.outcome] ?? "?"} ${m.nodeid}  (${Math.round(m.duration * 1000)} ms)`);
    }
  });
  if (result.exit.problem && result.exit.problem.kind !== "cancelled") console.error(`\n${result.exit.problem.message}`);
  printFailures(failures, rootdir);
  const summary = ["passed", "failed", "errored", "skipped"].map((k) => `${counts[k] ?? 0} ${k}`).join(", ");
  console.log(`\n${summary}`);
  return result.exit.problem ? 1 : (counts["failed"] ?? 0) + (counts["errored"] ?? 0) > 0 ? 1 : 0;
}

function printFailures(failures: readonly Failure[], root: string): void {
  const db = failures.filter((f) => f.db);
  if (!db.length) return;
  console.log(`\nDatabase failures (${db.length}), grouped by cause:`);
  for (const line of formatGroups(groupFailures(db), root)) console.log(line);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === "run") return await runCommand(rest);
    if (command === "diagnose") return await diagnoseCommand(rest, pluginDir);
    if (command === "check") return await checkCommand(rest);
    console.error(USAGE);
    return 2;
  } catch (err) {
    // usage and environment errors: one line, never a stack trace
    if (err instanceof UsageError || err instanceof RunnerError) {
      console.error(`orm-test-doctor: ${err.message}${err instanceof UsageError ? `\n${USAGE}` : ""}`);
      return 2;
    }
    console.error(`orm-test-doctor: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
}

void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
