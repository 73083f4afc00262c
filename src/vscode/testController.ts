// The Test Explorer controller: one root item per workspace folder, Run / Debug / Coverage
// profiles, continuous run, re-discovery on file changes, and nothing at all when untrusted.
import * as vscode from "vscode";
import type { Log } from "./log";
import type { FileLines } from "../core/coverage";
import { FileLinesCoverage } from "./coverage";
import { debugFolder, registerFallbackDebugger } from "./debug";
import { FolderTests } from "./folderTests";
import { groupByFolder, runFolder, type RunMode, type TestDiagnosed, type TestFinished } from "./runHandler";
import { History } from "./history";
import { ProjectIndexes } from "./projectIndexes";
import { DriftDiagnostics } from "./driftDiagnostics";
import { watchPythonFiles } from "./watch";
import { onDidChangePythonEnvironment } from "./interpreter";

export const CONTROLLER_ID = "ormTestDoctor";
/** Settings that change how a folder's tests are collected. */
const DISCOVERY_SETTINGS = ["python", "pytestArgs", "env", "cwd"].map((k) => `ormTestDoctor.${k}`);
/** A re-run that proves a quick fix: its name in Test Results, and the verdict written at its end. */
export interface RunProof {
  name: string;
  summary(): string | undefined;
}

const UNTRUSTED = "Untrusted workspace: trust it to discover and run tests (running tests executes the workspace's code).";

export class TestExplorer implements vscode.Disposable {
  readonly controller = vscode.tests.createTestController(CONTROLLER_ID, "ORM Test Doctor");
  private readonly folders = new Map<string, FolderTests>();
  readonly indexes: ProjectIndexes;
  readonly drift: DriftDiagnostics;
  readonly history: History;
  private readonly disposables: vscode.Disposable[] = [this.controller];
  private watching = false;
  private readonly continuousRuns = new Set<(folder: vscode.WorkspaceFolder) => void>();
  private readonly finished = new vscode.EventEmitter<TestFinished>();
  /** Fires for every test result, from any profile. */
  readonly onDidFinishTest = this.finished.event;
  private readonly diagnosed = new vscode.EventEmitter<TestDiagnosed>();
  /** Fires with each test's causes after its result (undefined: none), and again for causes found at a run's end. */
  readonly onDidDiagnose = this.diagnosed.event;
  private readonly discovered = new vscode.EventEmitter<FolderTests>();
  /** Fires after a folder's tests were collected (the whole folder). */
  readonly onDidDiscover = this.discovered.event;
  private readonly coverage = new vscode.EventEmitter<FileLines[]>();
  /** Fires with the line coverage of each folder a Coverage run measured. */
  readonly onDidCoverage = this.coverage.event;
  private readonly notified = new vscode.EventEmitter<{ severity: "error" | "warning"; message: string }>();
  /** Fires for every notification shown to the user (tests count them). */
  readonly onDidNotify = this.notified.event;
  private readonly runProfile: vscode.TestRunProfile;

  /** The folder roots, in workspace order. */
  get folderTests(): FolderTests[] {
    return [...this.folders.values()];
  }

  constructor(private readonly context: vscode.ExtensionContext, private readonly log: Log) {
    this.indexes = new ProjectIndexes(context.extensionPath, log);
    this.history = new History(context.storageUri ?? context.globalStorageUri, log);
    this.drift = new DriftDiagnostics(this.indexes, log);
    this.disposables.push(this.indexes, this.history, this.drift);
    const c = this.controller;
    c.resolveHandler = async (item) => {
      if (!item) return this.start();
      const tests = this.folderOf(item);
      if (tests && item === tests.root) await tests.discover();
    };
    c.refreshHandler = () => this.discoverAll();
    const handler = (mode: RunMode) => (req: vscode.TestRunRequest, token: vscode.CancellationToken) => this.run(req, token, mode);
    this.runProfile = c.createRunProfile("Run", vscode.TestRunProfileKind.Run, handler("run"), true, undefined, true);
    c.createRunProfile("Debug", vscode.TestRunProfileKind.Debug, async (req, token) => void (await this.debug(req, token)), true);
    const cov = c.createRunProfile("Coverage", vscode.TestRunProfileKind.Coverage, handler("coverage"), true);
    cov.loadDetailedCoverage = async (_run, fc) => (fc instanceof FileLinesCoverage ? fc.details() : []);
    this.disposables.push(
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.start()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.start()),
      registerFallbackDebugger(),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!DISCOVERY_SETTINGS.some((k) => e.affectsConfiguration(k))) return;
        this.settingsChanges++;
        const changed = this.folderTests.filter((t) => DISCOVERY_SETTINGS.some((k) => e.affectsConfiguration(k, t.folder.uri)));
        if (changed.length) this.rediscover(changed, "settings changed");
      }),
      // Only folders that follow the Python extension (ormTestDoctor.python empty) care.
      onDidChangePythonEnvironment((uri) => {
        const folder = uri && vscode.workspace.getWorkspaceFolder(uri);
        const affected = this.folderTests.filter((t) => (!folder || folder.uri.toString() === t.folder.uri.toString()) && !vscode.workspace.getConfiguration("ormTestDoctor", t.folder.uri).get<string>("python", "").trim());
        if (affected.length) this.rediscover(affected, "the Python extension's environment changed");
      }, log),
    );
  }

  private readonly toRediscover = new Map<FolderTests, string>();
  private rediscovering: Promise<void> = Promise.resolve();
  /** Counts the settings changes that asked for re-discovery (tests wait for it to move). */
  settingsChanges = 0;

  /** Queues these folders for discovery again (settings or interpreter changed). Changes that
   * come together are merged: one loop, each folder once, one at a time. */
  private rediscover(folders: readonly FolderTests[], why: string): void {
    if (!vscode.workspace.isTrusted || !this.watching) return; // not started yet: the first resolve discovers
    const idle = this.toRediscover.size === 0;
    for (const t of folders) this.toRediscover.set(t, why);
    if (!idle) return;
    this.rediscovering = this.rediscovering.then(async () => {
      for (const [t, reason] of this.toRediscover) {
        this.toRediscover.delete(t);
        this.log.info(`${t.folder.name}: re-discovering (${reason})`);
        await t.discover().then(() => this.discovered.fire(t), (e: unknown) => this.log.error(`${t.folder.name}: discovery failed: ${String(e)}`));
      }
    });
  }

  /** Resolves when no re-discovery is queued or running. */
  async idle(): Promise<void> {
    while (this.toRediscover.size > 0) await this.rediscovering;
    await this.rediscovering;
  }

  /** Shows a notification (never for continuous runs; their TestRun shows the problem). */
  notify(severity: "error" | "warning", message: string): void {
    this.notified.fire({ severity, message });
    const text = `ORM Test Doctor: ${message}`;
    void (severity === "error" ? vscode.window.showErrorMessage(text) : vscode.window.showWarningMessage(text));
  }

  /** Runs every test of this extension with the Run profile (not other controllers' tests). */
  runAll(token: vscode.CancellationToken = new vscode.CancellationTokenSource().token): Promise<void> {
    return this.run(new vscode.TestRunRequest(undefined, undefined, this.runProfile), token);
  }

  /** Builds the folder roots, starts watching and discovers; lazily, on the first resolve. */
  async start(): Promise<void> {
    this.syncFolders();
    if (!vscode.workspace.isTrusted) {
      for (const t of this.folders.values()) t.root.error = UNTRUSTED;
      this.log.warn("workspace not trusted: nothing is discovered or run");
      return;
    }
    await this.discoverAll();
    // The project index builds in the background; the cause tracer waits for it when needed.
    for (const t of this.folders.values()) void this.indexes.get(t.folder).catch((e: unknown) => this.log.error(`${t.folder.name}: indexing failed: ${String(e)}`));
  }

  /** One root item per workspace folder, following folders added and removed. */
  private syncFolders(): void {
    const wsFolders = vscode.workspace.workspaceFolders ?? [];
    for (const key of this.folders.keys()) {
      if (!wsFolders.some((f) => f.uri.toString() === key)) this.folders.delete(key);
    }
    for (const f of wsFolders) {
      if (!this.folders.has(f.uri.toString())) this.folders.set(f.uri.toString(), new FolderTests(f, this.controller, this.context.asAbsolutePath("python"), this.log));
    }
    this.controller.items.replace([...this.folders.values()].map((t) => t.root));
  }

  async discoverAll(): Promise<void> {
    this.syncFolders();
    if (!vscode.workspace.isTrusted) return;
    if (!this.watching) {
      this.watching = true;
      this.disposables.push(watchPythonFiles((folder, changes) => this.onFilesChanged(folder, changes), (e) => this.log.error(`file change handling failed: ${String(e)}`)));
    }
    // One folder at a time: discovery starts a Python process per folder, on two cores.
    for (const t of this.folders.values()) {
      await t.discover().then(() => this.discovered.fire(t), (e: unknown) => this.log.error(`${t.folder.name}: discovery failed: ${String(e)}`));
    }
  }

  /** Test files changed alone are re-collected alone; anything else (conftest.py, models) may
   * change what every test file collects, so the folder is collected again. */
  private async onFilesChanged(folder: vscode.WorkspaceFolder, changes: { changed: string[]; deleted: string[] }): Promise<void> {
    const tests = this.folders.get(folder.uri.toString());
    if (!tests || !vscode.workspace.isTrusted) return;
    for (const f of changes.deleted) tests.removeFile(f);
    void this.indexes.update(folder, changes.changed, changes.deleted);
    const isTestFile = (f: string) => /(^|[\\/])(test_[^\\/]*|[^\\/]*_test)\.py$/.test(f);
    if (changes.changed.length === 0) return;
    if (changes.changed.every(isTestFile)) await tests.discover(changes.changed);
    else await tests.discover();
    this.continuousRuns.forEach((rerun) => rerun(folder));
  }

  /** Runs a request as the Run or Coverage profile would; resolves when the run has ended. */
  async run(request: vscode.TestRunRequest, token: vscode.CancellationToken, mode: RunMode = "run", continuous = false, proof?: RunProof): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      this.notify("warning", UNTRUSTED);
      return;
    }
    if (request.continuous) return this.runContinuously(request, token, mode);
    if (token.isCancellationRequested) return;
    const testRun = this.controller.createTestRun(request, proof?.name);
    // The Testing view's stop button cancels the TestRun's own token.
    const cts = new vscode.CancellationTokenSource();
    const links = [token.onCancellationRequested(() => cts.cancel()), testRun.token.onCancellationRequested(() => cts.cancel())];
    let ended: () => void = () => undefined;
    const flight = { cts, done: new Promise<void>((resolve) => (ended = resolve)) };
    this.inFlight.add(flight);
    try {
      const groups = groupByFolder(request, [...this.folders.values()]);
      const hooks = {
        onFinished: (f: TestFinished) => this.finished.fire(f),
        onDiagnosed: (d: TestDiagnosed) => this.diagnosed.fire(d),
        onCoverage: (files: FileLines[]) => this.coverage.fire(files),
        history: this.history,
        ...(continuous ? {} : { notify: (sev: "error" | "warning", msg: string) => this.notify(sev, msg) }),
      };
      // Folders run one after another: two cores, and pytest suites often share a database file.
      for (const [tests, items] of groups) {
        if (cts.token.isCancellationRequested) break;
        const project = () => this.indexes.get(tests.folder).then((index) => ({ index, root: tests.folder.uri.fsPath }));
        await runFolder(tests, items, request, testRun, cts.token, mode, this.log, { ...hooks, project });
      }
    } catch (err) {
      this.log.error(`run failed: ${err instanceof Error ? err.stack : String(err)}`);
      testRun.appendOutput(`\r\n[ORM Test Doctor] run failed: ${String(err)}\r\n`);
    } finally {
      links.forEach((l) => l.dispose());
      cts.dispose();
      const summary = proof?.summary();
      if (summary) testRun.appendOutput(`\r\n[ORM Test Doctor] ${summary}\r\n`);
      testRun.end();
      this.inFlight.delete(flight);
      ended();
    }
  }

  /** Runs in progress: stopped (their pytest process trees killed) when the extension goes. */
  private readonly inFlight = new Set<{ cts: vscode.CancellationTokenSource; done: Promise<void> }>();

  /** Cancels every run in flight and waits (at most timeoutMs) until their processes are gone. */
  async stopRuns(timeoutMs = 4000): Promise<void> {
    const flights = [...this.inFlight];
    for (const f of flights) f.cts.cancel();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(flights.map((f) => f.done)), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  /** Re-runs the request whenever a Python file of its folders changes, until cancelled. */
  private runContinuously(request: vscode.TestRunRequest, token: vscode.CancellationToken, mode: RunMode): Promise<void> {
    const folders = new Set([...groupByFolder(request, [...this.folders.values()]).keys()].map((t) => t.folder.uri.toString()));
    let running = Promise.resolve();
    const rerun = (folder: vscode.WorkspaceFolder): void => {
      if (!folders.has(folder.uri.toString()) || token.isCancellationRequested) return;
      const once = new vscode.TestRunRequest(request.include, request.exclude, request.profile, false);
      running = running.then(() => (token.isCancellationRequested ? undefined : this.run(once, token, mode, true)));
    };
    this.continuousRuns.add(rerun);
    // Resolves once cancelled and the re-run in progress (if any) has ended.
    return new Promise((resolve) =>
      token.onCancellationRequested(() => {
        this.continuousRuns.delete(rerun);
        void running.then(resolve, resolve);
      }),
    );
  }

  /** The Debug profile; resolves to the reasons the debugger could not start, if any. */
  async debug(request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<string[]> {
    if (!vscode.workspace.isTrusted) return [UNTRUSTED];
    const testRun = this.controller.createTestRun(request);
    const problems: string[] = [];
    try {
      for (const [tests, items] of groupByFolder(request, [...this.folders.values()])) {
        const problem = await debugFolder(tests, items, testRun, token, this.log, (f) => this.finished.fire(f), (msg) => this.notify("error", msg));
        if (problem) problems.push(problem);
      }
    } finally {
      testRun.end();
    }
    return problems;
  }

  private folderOf(item: vscode.TestItem): FolderTests | undefined {
    return [...this.folders.values()].find((t) => t.root === item);
  }

  dispose(): void {
    for (const f of this.inFlight) f.cts.cancel();
    this.finished.dispose();
    this.diagnosed.dispose();
    this.discovered.dispose();
    this.coverage.dispose();
    this.notified.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

export function createTestController(context: vscode.ExtensionContext, log: Log): TestExplorer {
  const explorer = new TestExplorer(context, log);
  context.subscriptions.push(explorer);
  return explorer;
}
