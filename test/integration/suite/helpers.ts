import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import type { OrmTestDoctorApi } from "../../../src/vscode/extension";
import type { FolderTests } from "../../../src/vscode/folderTests";
import type { TestFinished } from "../../../src/vscode/runHandler";

export const EXT_ID = "orm-test-doctor.orm-test-doctor";
const repo = process.env["ORM_TD_REPO"] ?? path.resolve(__dirname, "..", "..", "..", "..");

export const STACKS = [
  { name: "legacy", env: {} as Record<string, string> },
  { name: "modern", env: { PYTHONPATH: path.join(repo, ".cache", "py-modern", "usr", "lib", "python3", "dist-packages") } },
] as const;

export async function api(): Promise<OrmTestDoctorApi> {
  const ext = vscode.extensions.getExtension<OrmTestDoctorApi>(EXT_ID);
  if (!ext) throw new Error(`${EXT_ID} is not installed`);
  const a = await ext.activate();
  // Suites may run alone (ORM_TD_GREP): the tree must be there without an earlier suite's help.
  if (a.explorer.folderTests.length === 0) await a.explorer.start();
  return a;
}

export function folder(a: OrmTestDoctorApi, name: string): FolderTests {
  const f = a.explorer.folderTests.find((t) => t.folder.name === name);
  if (!f) throw new Error(`no workspace folder ${name}`);
  return f;
}

const DISCOVERY_SETTINGS = ["python", "pytestArgs", "env", "cwd"];

/** Updates an ormTestDoctor setting (of the workspace, or of one folder) and waits until the
 * re-discovery it causes has ended, so no discovery runs on into the next test. */
export async function configure(key: string, value: unknown, folder?: vscode.WorkspaceFolder): Promise<void> {
  const a = await api();
  const config = vscode.workspace.getConfiguration("ormTestDoctor", folder?.uri);
  const inspected = config.inspect(key);
  const current = folder ? inspected?.workspaceFolderValue : inspected?.workspaceValue;
  if (JSON.stringify(current) === JSON.stringify(value)) return;
  const before = a.explorer.settingsChanges;
  await config.update(key, value, folder ? vscode.ConfigurationTarget.WorkspaceFolder : vscode.ConfigurationTarget.Workspace);
  if (DISCOVERY_SETTINGS.includes(key)) await until(`the change of ${key} to arrive`, () => a.explorer.settingsChanges !== before || undefined, 10_000);
  await a.explorer.idle();
}

/** Selects a Python stack for every folder (workspace-level setting). */
export async function useStack(stack: (typeof STACKS)[number]): Promise<void> {
  await configure("env", stack.env);
}

export async function setArgs(args: string[]): Promise<void> {
  await configure("pytestArgs", args);
}

/** Node ids of the leaves under an item (parametrized cases, functions). */
export function leafIds(tests: FolderTests): string[] {
  return [...tests.byNodeId.entries()].filter(([, item]) => item.children.size === 0 && item.uri?.fsPath.endsWith(".py") && !item.error).map(([id]) => id).filter((id) => id.includes("::")).sort();
}

/** What pytest itself collects in a folder, with the same interpreter and stack. */
export function pytestCollect(dir: string, env: Record<string, string>): string[] {
  let out = "";
  try {
    out = execFileSync("/usr/bin/python3", ["-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"], { cwd: dir, env: { ...process.env, ...env }, encoding: "utf8" });
  } catch (err) {
    out = String((err as { stdout?: string }).stdout ?? "");
  }
  return out.split("\n").filter((l) => l.includes("::")).map((l) => l.trim()).sort();
}

/** Runs a request through the Run (or Coverage) profile; returns nodeid → result. */
export async function runAndWait(a: OrmTestDoctorApi, include: vscode.TestItem[] | undefined, opts: { token?: vscode.CancellationToken; mode?: "run" | "coverage" } = {}): Promise<Map<string, TestFinished>> {
  const results = new Map<string, TestFinished>();
  const sub = a.explorer.onDidFinishTest((f) => results.set(f.nodeid, f));
  try {
    await a.explorer.run(new vscode.TestRunRequest(include), opts.token ?? new vscode.CancellationTokenSource().token, opts.mode ?? "run");
  } finally {
    sub.dispose();
  }
  return results;
}

export function outcomes(results: Map<string, TestFinished>): Record<string, string> {
  return Object.fromEntries([...results].map(([id, f]) => [id, f.outcome]).sort());
}

export function expected(project: string): Record<string, string> {
  const file = path.join(repo, "test", "fixtures", "projects", project, "expected.json");
  const data = JSON.parse(fs.readFileSync(file, "utf8")) as { tests: Record<string, { run1: string }> };
  return Object.fromEntries(Object.entries(data.tests).map(([id, t]) => [id, t.run1 === "failed" ? "failed" : t.run1]).sort());
}

/** Asks the server host for a screenshot of the workbench (test-results/<pass>-<name>.png) and
 * waits for its acknowledgement. With `waitFor`, the host first waits until that text is on screen
 * inside `selector`, and the result carries the selector's visible text for the test to check. */
export async function screenshot(name: string, waitFor?: { selector: string; text: string }): Promise<{ ok: boolean; text?: string; error?: string }> {
  const dir = process.env["ORM_TD_SHOT_DIR"];
  if (!dir) return { ok: false, error: "no screenshot host (desktop host)" };
  const full = `${process.env["ORM_TD_SHOT_PREFIX"] ?? ""}${name}`;
  const ackFile = path.join(dir, `${full}.json`);
  fs.rmSync(ackFile, { force: true });
  console.log(`[[otd-screenshot:${JSON.stringify({ name: full, waitFor })}]]`);
  await until(`the screenshot ${full}`, () => fs.existsSync(ackFile) || undefined, 60_000);
  return JSON.parse(fs.readFileSync(ackFile, "utf8")) as { ok: boolean; text?: string; error?: string };
}

export async function until<T>(what: string, check: () => T | undefined, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Our problems under a folder: file, line, kind (the code), severity, related messages. */
export interface Problem {
  file: string;
  line: number;
  kind: string;
  severity: vscode.DiagnosticSeverity;
  related: string[];
}

export function problems(root: string): Problem[] {
  return vscode.languages
    .getDiagnostics()
    .filter(([uri]) => uri.fsPath.startsWith(root + path.sep))
    .flatMap(([uri, ds]) =>
      ds
        .filter((d) => d.source === "ORM Test Doctor" && typeof d.code === "object")
        .map((d) => ({
          file: path.relative(root, uri.fsPath).split(path.sep).join("/"),
          line: d.range.start.line + 1,
          kind: String((d.code as { value: string }).value),
          severity: d.severity,
          related: (d.relatedInformation ?? []).map((r) => r.message),
        })),
    );
}

export const at = (ps: Problem[]) => ps.map((p) => `${p.file}:${p.line} ${p.kind} ${p.severity === vscode.DiagnosticSeverity.Error ? "error" : "warning"}`).sort();
