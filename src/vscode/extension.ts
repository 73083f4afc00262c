import * as vscode from "vscode";
import { registerCodeActions } from "./codeActions";
import { registerCommands } from "./commands";
import { standingCauses } from "../core/history";
import { readConfig } from "./config";
import { CauseDiagnostics } from "./findings";
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
    // after a reload, the causes of the last runs come back from the history store
    const restored = new Set<string>();
    context.subscriptions.push(
      explorer.onDidDiscover(async (t) => {
        if (restored.has(t.folder.uri.toString())) return;
        restored.add(t.folder.uri.toString());
        try {
          const store = await explorer.history.open();
          const n = store ? findings.restore(t, await standingCauses(store, readConfig(t.folder).cwd)) : 0;
          if (n) log.info(`${t.folder.name}: ${n} failing test(s) with causes restored from the history`);
        } catch (err) {
          log.warn(`${t.folder.name}: causes not restored: ${String(err)}`);
        }
      }),
    );
    log.info(`activated (VS Code ${vscode.version}, trusted: ${vscode.workspace.isTrusted})`);
    return { controller, explorer, log, findings, risks };
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
