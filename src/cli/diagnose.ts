// `orm-test-doctor diagnose [PATH] [--python PY] [--json | --format text|json|github] [--no-trace]
// [-- pytest args]`: PATH a project folder (default: here) runs its suite once, traced, and names
// the cause of every failure; PATH a saved pytest output, junit XML or "-" reads it instead.
import * as fs from "node:fs";
import * as path from "node:path";
import * as v8 from "node:v8";
import { addToRunFacts, diagnose, diagnoseFacts, emptyRunFacts } from "../core/causes";
import { buildDocument, type DiagnoseDocument } from "../core/causes/document";
import type { Cause } from "../core/causes/model";
import { formatGithub, formatText } from "../core/causes/format";
import { fromPluginError } from "../core/failures/plugin";
import { failuresFromFile, failuresFromStream } from "../core/failures/read";
import type { Failure } from "../core/failures/model";
import type { Message } from "../core/protocol";
import { indexWorkspace, type ProjectIndex } from "../core/index";
import { realPath } from "../core/realPath";
import { RunIndex } from "./runIndex";
import { bisectUnexplained } from "./bisect";
import { savedCauses } from "../core/causes/saved";
import { sqliteRowProbe } from "../core/causes/sqliteProbe";
import { findInterpreter, run, RunnerError, type RunnerEvent } from "../core/runner";
import { parseDiagnoseArgs, UsageError, type Options } from "./args";
import { takePrestart } from "./prestart";

export { UsageError };

function useColor(): boolean {
  return Boolean(process.stdout.isTTY) && !("NO_COLOR" in process.env) && process.env["TERM"] !== "dumb";
}

async function diagnoseFolder(opts: Options, pluginDir: string, signal?: AbortSignal): Promise<DiagnoseDocument> {
  // the real path: pytest's rootdir has its symlinks resolved, and causes are relative to it
  const cwd = realPath(opts.target); // a missing folder stays as given: the runner says so
  // a given interpreter goes straight to pytest (a missing one, or one without pytest, is told
  // apart from its exit); only a search over candidates needs the probe, an extra Python start
  const py = opts.python ? { path: opts.python } : await findInterpreter(["python3", "python"], { cwd });
  const messages: Message[] = [];
  const failures: Failure[] = [];
  const outcomes = new Map<string, string>();
  let rootdir = cwd;
  const progress = process.stderr.isTTY;
  const started = Date.now();
  // Liftoff, V8's baseline WebAssembly compiler, alone: its optimizing tier recompiles the
  // grammar's 660 KB of wasm in the background, 0.2 s of CPU beside pytest that pays off only
  // past about 1 MB of parsed source (measured here: 20 test modules, 0.25 MB, 490 ms of CPU
  // against 680; 2.5 MB, 1,850 against 1,740). Set before the parser compiles the wasm. Only
  // where Liftoff compiles every instruction tree-sitter's wasm uses (it has no SIMD): V8 aborts
  // on a Liftoff bailout under this flag instead of falling back.
  if (process.arch === "x64" || process.arch === "arm64") v8.setFlagsFromString("--liftoff-only");
  // the index, for the rules that read factories and fixtures (runIndex.ts says what and when)
  const runIndex = new RunIndex(cwd);
  const facts = emptyRunFacts();
  let lastDraw = 0;
  const lost: string[] = [];
  const onEvent = (e: RunnerEvent): void => {
    if (e.type === "protocol_error") lost.push(e.error.reason);
    if (e.type !== "message") return;
    const m = e.message;
    messages.push(m);
    addToRunFacts(facts, m); // now, not in a pass after the run: 0.1 s at 5,000 tests
    runIndex.see(m, rootdir);
    if (m.type === "hello") rootdir = m.rootdir;
    else if (m.type === "report" && m.outcome === "failed" && m.error) failures.push(fromPluginError(m.nodeid, m.when, m.error, { projectRoot: rootdir }));
    else if (m.type === "finished") {
      outcomes.set(m.nodeid, m.outcome);
      if (progress && Date.now() - lastDraw > 500) {
        lastDraw = Date.now();
        const failed = [...outcomes.values()].filter((o) => o === "failed" || o === "errored").length;
        process.stderr.write(`\r\x1b[2K  ${outcomes.size} tests run, ${failed} failed (${((Date.now() - started) / 1000).toFixed(0)} s)`);
      }
    }
  };
  // the run the package's entry started before loading the rest of the CLI (prestart.ts), or ours
  const plan = { python: py.path, cwd, pluginDir, args: opts.pytestArgs, trace: opts.trace };
  const result = (await takePrestart(plan, onEvent, signal)) ?? (await run({ ...plan, ...(signal ? { signal } : {}) }, [], onEvent));
  if (progress && lastDraw) process.stderr.write("\r\x1b[2K");
  const warnings: string[] = lost.slice(0, 5).map((reason) => `a message from the plugin was lost: ${reason}`);
  if (lost.length > 5) warnings.push(`${lost.length - 5} more messages from the plugin were lost`);
  await runIndex.cover(messages, rootdir);
  const index = await runIndex.index();
  const indexFor = (named: readonly Message[], nodeids: readonly string[]): Promise<void> => runIndex.cover(named, rootdir, nodeids);
  const problem = result.exit.problem;
  if (problem && problem.kind !== "cancelled") {
    if (outcomes.size === 0 && !failures.length) throw new RunnerError(problem.kind, problem.message);
    warnings.push(problem.message.split("\n")[0] ?? problem.message);
  }
  if (!opts.trace) warnings.push("tracing was off (--no-trace): causes need the run's provenance");
  // a file pytest could not collect ran none of its tests: that is a failure of the run
  for (const m of messages) if (m.type === "collect_error") warnings.push(`collection error in ${m.nodeid}: ${m.message}`);
  if (index) facts.project = { index, root: cwd };
  const diagnoses = diagnoseFacts(facts, failures);
  let extraCauses: Map<string, Cause[]> | undefined;
  if (opts.bisect && !problem && !signal?.aborted) {
    const searched = await bisectUnexplained({ python: py.path, cwd, pluginDir, args: opts.pytestArgs, ...(signal ? { signal } : {}) }, messages, facts, diagnoses, (p) => {
      if (progress) process.stderr.write(`\r\x1b[2K  polluter search for ${p.victim}: ${p.candidates} candidates, run ${p.run + 1} of about ${p.expectedRuns}`);
    }, indexFor);
    if (progress) process.stderr.write("\r\x1b[2K");
    extraCauses = searched.causes;
    warnings.push(...searched.warnings);
  }
  warnings.push(...runIndex.warnings());
  return buildDocument(messages, diagnoses, { durationMs: result.exit.durationMs, outcomes, warnings, ...(extraCauses ? { extraCauses } : {}) });
}

async function diagnoseSaved(opts: Options): Promise<DiagnoseDocument> {
  const failures = opts.target === "-" ? await failuresFromStream(process.stdin) : await failuresFromFile(opts.target);
  const outcomes = new Map(failures.map((f) => [f.nodeid, "failed"]));
  const root = path.resolve(opts.project ?? ".");
  const warnings = [
    `saved output carries no runtime provenance: who wrote each conflicting row and whether it was committed are unknown; the causes below are read from the code in ${root} and, for SQLite files, the database file (run \`orm-test-doctor diagnose <project folder>\` for causes seen at run time)`,
  ];
  let index: ProjectIndex | undefined;
  try {
    index = fs.statSync(root, { throwIfNoEntry: false })?.isDirectory() ? await indexWorkspace(root, { workers: 1 }) : undefined;
  } catch (err) {
    warnings.push(`the project index could not be built (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!index?.tests().length) warnings.push(`no pytest tests found in ${root} (give the project with --project DIR): no causes from the code`);
  const extraCauses = new Map<string, Cause[]>();
  if (index) {
    for (const f of failures) extraCauses.set(f.nodeid, await savedCauses({ index, root }, root, f, sqliteRowProbe));
  }
  return buildDocument([], diagnose([], failures), { durationMs: 0, outcomes, warnings, extraCauses });
}

/** Exit code: 0 nothing failed, 1 failures diagnosed, 2 usage or environment error. */
export async function diagnoseCommand(argv: readonly string[], pluginDir: () => string, signal?: AbortSignal): Promise<number> {
  const opts = parseDiagnoseArgs(argv);
  const stat = opts.target === "-" ? undefined : fs.statSync(opts.target, { throwIfNoEntry: false });
  if (opts.target !== "-" && !stat) throw new UsageError(`no such file or folder: ${opts.target}`);
  const doc = stat?.isDirectory() ? await diagnoseFolder(opts, pluginDir(), signal) : await diagnoseSaved(opts);
  const lines = opts.format === "json" ? [JSON.stringify(doc, null, 2)] : opts.format === "github" ? formatGithub(doc) : formatText(doc, useColor());
  process.stdout.write(lines.join("\n") + "\n");
  const collectionErrors = doc.warnings.some((w) => w.startsWith("collection error in "));
  return doc.failures.length > 0 || doc.summary.failed + doc.summary.errors > 0 || collectionErrors ? 1 : 0;
}
