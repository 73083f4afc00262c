// Entry point loaded inside the extension host by both hosts (server and desktop): runs the
// mocha suite and settles when it ends, which is how the host learns the exit code.
import * as fs from "node:fs";
import * as path from "node:path";
import * as util from "node:util";
import Mocha = require("mocha");
import CountingReporter = require("../countingReporter");

/** Mocha's console output, also appended to $ORM_TD_LOG_FILE so the host can show it plainly. */
function teeOutput(): void {
  const file = process.env["ORM_TD_LOG_FILE"];
  if (!file) return;
  const base = Mocha.reporters.Base as unknown as { consoleLog: (...args: unknown[]) => void };
  const original = base.consoleLog;
  const tee =
    (write: (...args: unknown[]) => void) =>
    (...args: unknown[]) => {
      fs.appendFileSync(file, util.format(...args) + "\n");
      write(...args);
    };
  base.consoleLog = tee(original);
  console.log = tee(console.log.bind(console));
}

export function run(): Promise<void> {
  teeOutput();
  // Proof of where the suite runs: the extension host of a real VS Code.
  const vscode = require("vscode") as typeof import("vscode");
  const ext = vscode.extensions.getExtension("orm-test-doctor.orm-test-doctor");
  const where = `[extension host] VS Code ${vscode.version} (${vscode.env.appHost}), Node ${process.version}, pid ${process.pid}, extension from ${ext?.extensionPath ?? "?"}`;
  const log = process.env["ORM_TD_LOG_FILE"];
  if (log) fs.appendFileSync(log, where + "\n");
  // ORM_TD_GREP narrows the suite while developing (mocha's --grep).
  const grep = process.env["ORM_TD_GREP"];
  const mocha = new Mocha({ ui: "bdd", color: false, timeout: 120_000, reporter: CountingReporter, ...(grep ? { grep } : {}) });
  const dir = path.join(__dirname, "suite");
  for (const f of fs.readdirSync(dir).sort()) {
    // The untrusted-workspace suite runs alone, in a VS Code started with workspace trust on.
    if (f.endsWith(".test.js") && f.includes("untrusted") === (process.env["ORM_TD_PASS"] === "untrusted")) mocha.addFile(path.join(dir, f));
  }
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} integration tests failed`)) : resolve()));
  });
}
