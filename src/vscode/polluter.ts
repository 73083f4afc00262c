// "Find the Test That Pollutes This One": the polluter search by bisection (as
// detect-test-pollution does it) for a test that passes alone and fails in the suite, when the
// run's provenance links it to nothing (state outside the database). Progress and cancel in a
// notification; the answer offers to open the polluting test.
import * as vscode from "vscode";
import { findPolluter, type BisectResult } from "../core/causes/bisect";
import { pytestRunTests } from "../core/causes/bisectRun";
import type { Log } from "./log";
import { itemData } from "./folderTests";

const LEAF_KINDS = new Set(["function", "case"]);

export function registerFindPolluter(context: vscode.ExtensionContext, log: Log): void {
  context.subscriptions.push(
    vscode.commands.registerCommand("ormTestDoctor.findPolluter", async (item?: vscode.TestItem): Promise<BisectResult | undefined> => {
      const data = item ? itemData.get(item) : undefined;
      if (!item || !data || !LEAF_KINDS.has(data.kind)) {
        void vscode.window.showErrorMessage("ORM Test Doctor: choose a test in the Testing view (right-click → Find the Test That Pollutes This One).");
        return undefined;
      }
      if (!vscode.workspace.isTrusted) {
        void vscode.window.showErrorMessage("ORM Test Doctor runs no tests in an untrusted workspace.");
        return undefined;
      }
      const tests = data.folder;
      const opts = await tests.options();
      if (typeof opts === "string") {
        void vscode.window.showErrorMessage(`ORM Test Doctor: ${opts}`);
        return undefined;
      }
      // the tests pytest would run before it: the folder's tests in collection order
      const order = [...tests.byNodeId.entries()].filter(([, i]) => LEAF_KINDS.has(itemData.get(i)?.kind ?? "")).map(([id]) => id);
      const victim = data.nodeid;
      const before = order.slice(0, Math.max(order.indexOf(victim), 0));
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Searching the test that pollutes ${victim}`, cancellable: true },
        async (progress, token) => {
          const abort = new AbortController();
          const sub = token.onCancellationRequested(() => abort.abort());
          let shown = 0;
          try {
            return await findPolluter(victim, before, pytestRunTests({ ...opts, signal: abort.signal }), {
              signal: abort.signal,
              onProgress: (p) => {
                const pct = Math.min(95, Math.round((100 * p.run) / Math.max(p.expectedRuns, 1)));
                progress.report({ message: `run ${p.run + 1} of about ${p.expectedRuns}, ${p.candidates} candidates`, increment: pct - shown });
                shown = pct;
              },
            });
          } finally {
            sub.dispose();
          }
        },
      );
      log.info(`polluter search for ${victim}: ${JSON.stringify(result)}`);
      tell(result, victim, before.length, tests.byNodeId.get(result.kind === "found" ? result.polluter : ""));
      return result;
    }),
  );
}

/** Says what the search found (not waited for: the command returns its result at once). */
function tell(r: BisectResult, victim: string, candidates: number, polluter: vscode.TestItem | undefined): void {
  const runs = `${r.runs} run${r.runs === 1 ? "" : "s"}`;
  if (r.kind === "found") {
    void vscode.window.showWarningMessage(`ORM Test Doctor: ${r.polluter} pollutes ${victim}: it passes alone and fails after it (${runs}).`, "Open the Polluting Test").then(async (open) => {
      if (open && polluter?.uri) await vscode.window.showTextDocument(polluter.uri, polluter.range ? { selection: polluter.range } : {});
    });
  } else if (r.kind === "fails-alone") {
    void vscode.window.showInformationMessage(`ORM Test Doctor: ${victim} fails when run alone too: no other test is to blame.`);
  } else if (r.kind === "not-reproduced") {
    void vscode.window.showInformationMessage(`ORM Test Doctor: ${victim} passed after the ${candidates} tests before it (${runs}): nothing to search for.`);
  } else if (r.kind === "no-result") {
    void vscode.window.showErrorMessage(`ORM Test Doctor: the polluter search stopped: ${r.detail}.`);
  }
}
