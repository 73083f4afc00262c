import * as vscode from "vscode";
import { registerCodeActions } from "./codeActions";
import { registerCommands } from "./commands";
import { standingCauses } from "../core/history";
import { readConfig } from "./config";
import { CauseDiagnostics } from "./findings";
import { Flakiness } from "./flakiness";
import type { FolderTests } from "./folderTests";
import { registerLeakedRows } from "./leakedRows";
import { registerLeaks, type LeaksView } from "./leaksView";
import { RiskDiagnostics } from "./risks";
import { LevelledLog } from "./log";
import { createTestController, type TestExplorer } from "./testController";

/** What activate() returns: lets integration tests (and other extensions) reach our objects. */
export interface OrmTestDoctorApi {
  readonly controller: vscode.TestController;
  readonly explorer: TestExplorer;
  readonly log: LevelledLog;
  readonly findings: CauseDiagnostics;
  readonly risks: RiskDiagnostics;
  readonly leaks: LeaksView;
  readonly flakiness: Flakiness;
  /** What a window reload does for a folder: its causes from the history store (tests call it). */
  restoreCauses(t: FolderTests): Promise<number>;
}

let active: TestExplorer | undefined;

export function activate(context: vscode.ExtensionContext): OrmTestDoctorApi {
  const channel = vscode.window.createOutputChannel("ORM Test Doctor", { log: true });
  const log = new LevelledLog(channel);
  context.subscriptions.push(channel, log);
  try {
    const explorer = createTestController(context, log);
    active = explorer;
    const controller = explorer.controller;
    registerCommands(context, explorer, log);
    const findings = new CauseDiagnostics();
    const risks = new RiskDiagnostics(explorer.indexes, findings, () => explorer.folderTests, log);
    context.subscriptions.push(findings, risks, explorer.onDidDiagnose((d) => findings.record(d)));
    registerCodeActions(context, explorer, [findings, risks], log);
    const leaks = registerLeaks(context, findings, [findings, risks], explorer.history);
    registerLeakedRows(context, explorer, findings, log);
    // after a reload, the causes of the last runs come back from the history store
    const restoreCauses = async (t: FolderTests): Promise<number> => {
      try {
        const store = await explorer.history.open();
        const n = store ? findings.restore(t, await standingCauses(store, readConfig(t.folder).cwd)) : 0;
        if (n) log.info(`${t.folder.name}: ${n} failing test(s) with causes restored from the history`);
        return n;
      } catch (err) {
        log.warn(`${t.folder.name}: causes not restored: ${String(err)}`);
        return 0;
      }
    };
    const flakiness = new Flakiness(explorer.history, log);
    const restored = new Set<string>();
    context.subscriptions.push(
      explorer.history.onDidRecord((root) => {
        for (const t of explorer.folderTests) if (readConfig(t.folder).cwd === root) void flakiness.update(t);
      }),
      vscode.workspace.onDidChangeWorkspaceFolders((e) => {
        for (const f of e.removed) {
          flakiness.forget(f);
          findings.forget(f);
          risks.forget(f);
          explorer.indexes.forget(f);
          restored.delete(f.uri.toString());
        }
      }),
      explorer.onDidDiscover((t) => {
        void flakiness.update(t);
        if (restored.has(t.folder.uri.toString())) return;
        restored.add(t.folder.uri.toString());
        void restoreCauses(t);
      }),
    );
    log.info(`activated (VS Code ${vscode.version}, trusted: ${vscode.workspace.isTrusted})`);
    return { controller, explorer, log, findings, risks, leaks, flakiness, restoreCauses };
  } catch (err) {
    // VS Code does not show activation errors to users; do it ourselves.
    const msg = err instanceof Error ? err.message : String(err);
    log.error(`activation failed: ${msg}`);
    void vscode.window.showErrorMessage(`ORM Test Doctor failed to start: ${msg}`);
    throw err;
  }
}

/** Runs in flight end with the extension (their whole pytest process trees); the rest is
 * disposed through context.subscriptions. */
export async function deactivate(): Promise<void> {
  await active?.stopRuns();
  active = undefined;
}
