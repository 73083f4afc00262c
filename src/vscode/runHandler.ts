// Executes a TestRunRequest: groups the chosen items by folder, runs pytest through the runner,
// and maps the plugin's messages onto the TestRun as they arrive.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import type { Log } from "./log";
import { exportCoverageJson, parseCoverageJson, type FileLines } from "../core/coverage";
import type { Message } from "../core/protocol";
import { run, type PytestOptions } from "../core/runner";
import type { Failure } from "../core/failures/model";
import { addToRunFacts, diagnoseFacts, emptyRunFacts, type Diagnosis, type ProjectView } from "../core/causes";
import { Unexplained } from "../core/causes/late";
import { foldReports, type FailureMessage } from "../core/testResult";
import { causeMessage } from "./causeMessage";
import { FileLinesCoverage } from "./coverage";
import { itemData, type FolderTests } from "./folderTests";
import type { History, RunRecorder } from "./history";

type Report = Extract<Message, { type: "report" }>;

/** One test's result, as the rest of the extension (and its tests) see it. */
export interface TestFinished {
  item: vscode.TestItem;
  nodeid: string;
  outcome: "passed" | "failed" | "errored" | "skipped";
  messages: vscode.TestMessage[];
  durationMs: number;
  /** Normalized failures of its failed phases (database errors among them). */
  failures: Failure[];
  /** The xdist worker that ran it. */
  worker?: string;
}
export type RunMode = "run" | "coverage";

/** A test's causes after its result (none when it passed or nothing explains it). */
export interface TestDiagnosed {
  tests: FolderTests;
  item: vscode.TestItem;
  nodeid: string;
  diagnosis: Diagnosis | undefined;
}

/** Node ids to pass to pytest for the included items of one folder ([] = the whole folder). */
export function selection(items: readonly vscode.TestItem[]): string[] {
  const ids: string[] = [];
  for (const item of items) {
    const d = itemData.get(item);
    if (!d || d.kind === "root") return [];
    ids.push(d.nodeid);
  }
  return ids;
}

export function groupByFolder(request: vscode.TestRunRequest, folders: readonly FolderTests[]): Map<FolderTests, vscode.TestItem[]> {
  const groups = new Map<FolderTests, vscode.TestItem[]>();
  const include = request.include ?? folders.map((f) => f.root);
  for (const item of include) {
    const d = itemData.get(item);
    if (!d) continue;
    groups.set(d.folder, [...(groups.get(d.folder) ?? []), item]);
  }
  return groups;
}

function leaves(item: vscode.TestItem, out: vscode.TestItem[] = []): vscode.TestItem[] {
  if (item.children.size === 0) out.push(item);
  item.children.forEach((c) => leaves(c, out));
  return out;
}

function toTestMessage(m: FailureMessage): vscode.TestMessage {
  const msg = m.expected !== undefined && m.actual !== undefined ? vscode.TestMessage.diff(m.text, m.expected, m.actual) : new vscode.TestMessage(m.text);
  if (m.location) msg.location = new vscode.Location(vscode.Uri.file(m.location.file), new vscode.Position(m.location.line, 0));
  if (m.stack.length) {
    msg.stackTrace = m.stack.map((f) => new vscode.TestMessageStackFrame(f.function, vscode.Uri.file(f.file), new vscode.Position(f.line, 0)));
  }
  return msg;
}

/** Maps the plugin's messages for one folder onto a TestRun (shared by run and debug). */
export class RunReporter {
  private readonly reports = new Map<string, Report[]>();

  constructor(
    private readonly tests: FolderTests,
    private readonly testRun: vscode.TestRun,
    private readonly onFinished?: (f: TestFinished) => void,
    private readonly onDiagnosed?: (d: TestDiagnosed) => void,
  ) {}

  private readonly collected = new Map<string, Extract<Message, { type: "collected" }>>();

  /** What the cause engine reads, built as messages arrive (once per run, not per failure). */
  private readonly facts = emptyRunFacts();

  /** Failures without a cause when they ended: tried again at the run's end (see core/causes/late.ts). */
  private readonly unexplained = new Unexplained<{ item: vscode.TestItem; error: FailureMessage | undefined; outcome: string; durationMs: number | undefined }>();

  /** The folder's index once it is ready (the rules about values and shared sessions read it). */
  get project(): ProjectView | undefined {
    return this.facts.project;
  }

  set project(p: ProjectView | undefined) {
    if (p) this.facts.project = p;
    else delete this.facts.project;
  }

  onMessage(m: Message): void {
    addToRunFacts(this.facts, m);
    if (m.type === "hello") this.tests.rootdir = m.rootdir;
    if (m.type === "collected") {
      if (!this.tests.byNodeId.has(m.nodeid)) this.collected.set(m.nodeid, m);
      return;
    }
    if (m.type !== "started" && m.type !== "report" && m.type !== "finished") return;
    // A result for a node id the tree lacks is added to the tree, never dropped.
    const item = this.tests.ensureItem(m.nodeid, this.collected.get(m.nodeid));
    if (!item) return;
    if (m.type === "started") this.testRun.started(item);
    else if (m.type === "report") this.reports.set(m.nodeid, [...(this.reports.get(m.nodeid) ?? []), m]);
    else {
      const r = foldReports(this.reports.get(m.nodeid) ?? [], this.tests.rootdir, m); // m: the whole duration
      this.reports.delete(m.nodeid);
      const messages = r.messages.map(toTestMessage);
      const failure = r.failures[0];
      if ((m.outcome === "failed" || m.outcome === "errored") && failure) {
        // the writer's provenance came before this test's end: its causes are known now
        const diagnosis = diagnoseFacts(this.facts, [failure])[0];
        const cause = diagnosis && causeMessage(diagnosis, r.messages[0], this.tests.rootdir);
        if (cause) messages.splice(0, r.messages[0] && !r.messages[0].expected ? 1 : 0, cause);
        else this.unexplained.add({ item, error: r.messages[0], outcome: m.outcome, durationMs: r.durationMs }, failure);
        this.onDiagnosed?.({ tests: this.tests, item, nodeid: m.nodeid, diagnosis: cause ? diagnosis : undefined });
      } else if (m.outcome !== "skipped") this.onDiagnosed?.({ tests: this.tests, item, nodeid: m.nodeid, diagnosis: undefined });
      if (m.outcome === "passed") this.testRun.passed(item, r.durationMs);
      else if (m.outcome === "skipped") this.testRun.skipped(item);
      else if (m.outcome === "failed") this.testRun.failed(item, messages, r.durationMs);
      else this.testRun.errored(item, messages.length ? messages : [new vscode.TestMessage("error")], r.durationMs);
      this.done.add(item);
      this.onFinished?.({ item, nodeid: m.nodeid, outcome: m.outcome, messages, durationMs: r.durationMs, failures: r.failures, ...(m.worker ? { worker: m.worker } : {}) });
    }
  }

  /** Items that got a result. */
  readonly done = new Set<vscode.TestItem>();

  /** At the run's end: the causes found since for failures that had none (added to their result). */
  settle(): number {
    const found = this.unexplained.settle(this.facts);
    for (const { key, diagnosis } of found) {
      const cause = causeMessage(diagnosis, key.error, this.tests.rootdir);
      if (!cause) continue;
      if (key.outcome === "failed") this.testRun.failed(key.item, cause, key.durationMs);
      else this.testRun.errored(key.item, cause, key.durationMs);
      this.onDiagnosed?.({ tests: this.tests, item: key.item, nodeid: diagnosis.nodeid, diagnosis });
    }
    return found.length;
  }
}

/** What else hears about a run besides the TestRun. */
export interface RunHooks {
  onFinished?: (f: TestFinished) => void;
  onDiagnosed?: (d: TestDiagnosed) => void;
  onCoverage?: (files: FileLines[]) => void;
  history?: History;
  /** Pops up a message; absent under continuous run, where each run's TestRun shows its problem. */
  notify?: (severity: "error" | "warning", message: string) => void;
  /** The folder's project index (never waited for: causes that need it appear once it is built). */
  project?: () => Promise<ProjectView | undefined>;
}

export async function runFolder(
  tests: FolderTests,
  items: readonly vscode.TestItem[],
  request: vscode.TestRunRequest,
  testRun: vscode.TestRun,
  token: vscode.CancellationToken,
  mode: RunMode,
  log: Log,
  hooks: RunHooks = {},
): Promise<void> {
  const { onFinished, onDiagnosed, onCoverage, history, notify, project } = hooks;
  const excluded = new Set(request.exclude ?? []);
  const enqueued: vscode.TestItem[] = [];
  for (const item of items) for (const leaf of leaves(item)) if (!excluded.has(leaf)) enqueued.push(leaf);
  for (const leaf of enqueued) testRun.enqueued(leaf);
  /** The run could not report these tests: they show the reason in the Testing view. */
  const erroredBy = (reason: string, done: ReadonlySet<vscode.TestItem> = new Set()) => {
    const msg = new vscode.TestMessage(reason);
    for (const leaf of enqueued) if (!done.has(leaf)) testRun.errored(leaf, msg);
  };

  const abort = new AbortController();
  const sub = token.onCancellationRequested(() => abort.abort());
  let covDir = "";
  let recorder: RunRecorder | undefined;
  let reporter: RunReporter | undefined;
  try {
    const opts = await tests.options(abort.signal);
    if (typeof opts === "string") {
      testRun.appendOutput(`${opts}\r\n`);
      log.warn(`${tests.folder.name}: cannot run: ${opts}`);
      erroredBy(opts);
      notify?.("error", opts);
      return;
    }
    const deselect = [...excluded].flatMap((i) => {
      const d = itemData.get(i);
      return d && d.folder === tests && d.nodeid ? ["--deselect", d.nodeid] : [];
    });
    // Coverage: pytest-cov measures (xdist workers too) into a private data file.
    covDir = mode === "coverage" ? fs.mkdtempSync(path.join(os.tmpdir(), "otd-cov-")) : "";
    const covData = covDir ? path.join(covDir, ".coverage") : "";
    const covArgs = covData ? ["-p", "pytest_cov", `--cov=${opts.cwd}`, "--cov-report="] : [];
    const runOpts: PytestOptions = {
      ...opts,
      args: [...(opts.args ?? []), ...covArgs, ...deselect],
      ...(covData ? { env: { ...opts.env, COVERAGE_FILE: covData } } : {}),
    };
    recorder = await history?.begin(opts.cwd);
    const rec = recorder;
    // a failing test's causes come just before its result; late ones (the run's end) after it
    const causes = new Map<string, Diagnosis>();
    const recorded = new Set<string>();
    const rep = (reporter = new RunReporter(tests, testRun, (f) => {
      const d = causes.get(f.nodeid);
      rec?.result({ nodeid: f.nodeid, outcome: f.outcome, durationMs: f.durationMs, failures: f.failures, ...(f.worker ? { worker: f.worker } : {}), ...(d ? { causes: d.causes, ...(d.rootOf ? { rootOf: d.rootOf } : {}) } : {}) });
      recorded.add(f.nodeid);
      onFinished?.(f);
    }, (d) => {
      if (d.diagnosis && recorded.has(d.nodeid)) rec?.causes(d.nodeid, d.diagnosis.causes, d.diagnosis.rootOf);
      else if (d.diagnosis) causes.set(d.nodeid, d.diagnosis);
      onDiagnosed?.(d);
    }));
    void project?.().then((p) => (rep.project = p), () => undefined);
    const result = await run(runOpts, selection(items), (e) => {
      if (e.type === "output") testRun.appendOutput(e.text.replace(/\r?\n/g, "\r\n"));
      else if (e.type === "protocol_error") log.warn(`plugin: ${e.error.reason}`);
      else if (e.type === "message") rep.onMessage(e.message);
    });
    const late = rep.settle();
    if (late > 0) log.info(`${tests.folder.name}: ${late} failure(s) explained at the run's end`);
    const problem = result.exit.problem;
    if (problem && problem.kind !== "cancelled") {
      testRun.appendOutput(`\r\n[ORM Test Doctor] ${problem.message.replace(/\r?\n/g, "\r\n")}\r\n`);
      const headline = problem.message.split("\n")[0] ?? problem.message;
      if (rep.done.size === 0) erroredBy(headline);
      notify?.("error", headline);
    }
    if (covData && !token.isCancellationRequested) {
      try {
        const json = await exportCoverageJson(opts.python, covData, opts.cwd, { ...process.env, ...opts.env });
        const files = parseCoverageJson(json, opts.cwd);
        for (const f of files) testRun.addCoverage(new FileLinesCoverage(f));
        onCoverage?.(files);
      } catch (err) {
        const msg = `No coverage data (${err instanceof Error ? err.message : String(err)}). Coverage needs pytest-cov in the test environment.`;
        testRun.appendOutput(`\r\n[ORM Test Doctor] ${msg}\r\n`);
        notify?.("warning", msg);
      }
    }
  } catch (err) {
    erroredBy(`The run failed: ${err instanceof Error ? err.message : String(err)}`, reporter?.done);
    throw err;
  } finally {
    sub.dispose();
    await recorder?.end();
    if (covDir) fs.rmSync(covDir, { recursive: true, force: true });
  }
}
