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
import { diagnoseCommand } from "./diagnose";
import { pluginDir, UsageError } from "./args";
import { earlySignal } from "./prestart";
import { parseArgs } from "node:util";
import { printable, PYTEST_EXIT } from "../core/printable";
import { redact } from "../core/causes/redact";

const USAGE = `usage:
  orm-test-doctor diagnose [PATH] [--python PY] [--json | --format text|json|github] [--no-trace] [--no-bisect] [--project DIR] [-- pytest args]
      PATH: a project folder (default: the current one), run once with tracing; or a saved
      pytest output, junit XML, or - for standard input
  orm-test-doctor check [PATH] [--json]
      static check of factories and test calls against the models (no run): unknown fields,
      missing required columns, unknown enum members, dangling foreign keys
  orm-test-doctor run <project folder> [--python <interpreter>] [-- <pytest args>]`;

const MARK: Record<string, string> = { passed: "✓", failed: "✗", errored: "E", skipped: "s" };

async function runCommand(args: string[], signal: AbortSignal): Promise<number> {
  const dash = args.indexOf("--");
  const own = dash >= 0 ? args.slice(0, dash) : args;
  const pytestArgs = dash >= 0 ? args.slice(dash + 1) : [];
  let parsed: { values: { python?: string | undefined }; positionals: string[] };
  try {
    parsed = parseArgs({ args: own, options: { python: { type: "string" } }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const python = parsed.values.python ?? process.env["ORM_TD_PYTHON"];
  if (parsed.values.python !== undefined && parsed.values.python.trim() === "") throw new UsageError("--python needs an interpreter path");
  const [folder, ...extra] = parsed.positionals;
  if (extra.length) throw new UsageError(`one project folder, got: ${parsed.positionals.join(" ")}`);
  if (!folder || !fs.statSync(folder, { throwIfNoEntry: false })?.isDirectory()) {
    console.error(`not a folder: ${folder ?? "(none)"}\n${USAGE}`);
    return 2;
  }
  const cwd = path.resolve(folder);
  const py = await findInterpreter(python ? [python] : ["python3", "python"], { cwd });
  console.log(`Running pytest ${py.pytestVersion} (Python ${py.version}, ${py.executable}) in ${cwd}\n`);
  const failures: Failure[] = [];
  const counts: Record<string, number> = {};
  const collectErrors: Array<Extract<Message, { type: "collect_error" }>> = [];
  let exitstatus: number | undefined;
  let rootdir = cwd;
  const result = await run({ python: py.path, cwd, pluginDir: pluginDir(), args: pytestArgs, signal }, [], (e) => {
    if (e.type === "protocol_error") console.error(`orm-test-doctor: a message from the plugin was lost: ${e.error.reason}`);
    if (e.type !== "message") return;
    const m: Message = e.message;
    if (m.type === "hello") rootdir = m.rootdir;
    if (m.type === "collect_error") collectErrors.push(m);
    if (m.type === "session_finished") exitstatus = m.exitstatus;
    if (m.type === "report" && m.outcome === "failed" && m.error) failures.push(fromPluginError(m.nodeid, m.when, m.error, { projectRoot: rootdir }));
    if (m.type === "finished") {
      counts[m.outcome] = (counts[m.outcome] ?? 0) + 1;
      console.log(`  ${MARK[m.outcome] ?? "?"} ${printable(m.nodeid, false)}  (${Math.round(m.duration * 1000)} ms)`);
    }
  });
  for (const c of collectErrors) {
    const at = collectLocation(c.longrepr);
    const where = at && path.isAbsolute(at) && at.startsWith(rootdir + path.sep) ? path.relative(rootdir, at) : at;
    console.log(`\n✗ collection error in ${printable(c.nodeid, false)}${where ? ` (${where})` : ""}: ${printable(c.message, false)}`);
  }
  if (result.exit.problem && result.exit.problem.kind !== "cancelled") console.error(`\n${printable(redact(result.exit.problem.message))}`);
  printFailures(failures, rootdir);
  const summary = ["passed", "failed", "errored", "skipped"].map((k) => `${counts[k] ?? 0} ${k}`).join(", ");
  console.log(`\n${summary}${collectErrors.length ? `, ${collectErrors.length} collection error${collectErrors.length === 1 ? "" : "s"}` : ""}`);
  if (exitstatus !== undefined && exitstatus !== 0 && exitstatus !== 1) console.log(`pytest exit status ${exitstatus}: ${PYTEST_EXIT[exitstatus] ?? "unknown"}`);
  if (result.exit.problem) return result.exit.problem.kind === "usage-error" ? 4 : 1;
  if (exitstatus !== undefined && exitstatus > 1) return exitstatus;
  return (counts["failed"] ?? 0) + (counts["errored"] ?? 0) + collectErrors.length > 0 ? 1 : 0;
}

/** "test_broken.py:1" from a collection error's traceback: the last frame outside installed packages. */
function collectLocation(longrepr: string): string | undefined {
  const spots = [...longrepr.matchAll(/File "([^"]+)", line (\d+)|^([^\s:][^:\n]*\.py):(\d+):/gm)]
    .map((m) => ({ file: m[1] ?? m[3] ?? "", line: m[2] ?? m[4] ?? "" }))
    .filter((x) => !/[\\/](site|dist)-packages[\\/]|[\\/]lib[\\/]python3[.\d]*[\\/]/.test(x.file));
  const last = spots[spots.length - 1];
  return last ? `${last.file}:${last.line}` : undefined;
}

function printFailures(failures: readonly Failure[], root: string): void {
  const db = failures.filter((f) => f.db);
  if (!db.length) return;
  console.log(`\nDatabase failures (${db.length}), grouped by cause:`);
  for (const line of formatGroups(groupFailures(db), root)) console.log(printable(redact(line)));
}

// Ctrl-C, kill and a closed terminal cancel the run as the editor does (the whole process tree,
// xdist workers included, and the socket folder), then exit 128 + the signal's number.
const SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;
const cancel = new AbortController();
let caught: keyof typeof SIGNALS | undefined;
const onSignal = (sig: keyof typeof SIGNALS): void => {
  if (caught) process.exit(128 + SIGNALS[sig]); // a second signal: leave now
  caught = sig;
  cancel.abort();
  // the runner needs about its kill grace (1 s) to end pytest; never hang on it
  setTimeout(() => process.exit(128 + SIGNALS[sig]), 5000).unref();
};
for (const sig of Object.keys(SIGNALS) as Array<keyof typeof SIGNALS>) process.on(sig, () => onSignal(sig));
// one that came while this file was being loaded, after the entry had started pytest
const early = earlySignal();
if (early && early in SIGNALS) onSignal(early as keyof typeof SIGNALS);

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === "run") return await runCommand(rest, cancel.signal);
    if (command === "diagnose") return await diagnoseCommand(rest, pluginDir, cancel.signal);
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

void main(process.argv.slice(2)).then((code) => (process.exitCode = caught ? 128 + SIGNALS[caught] : code));
