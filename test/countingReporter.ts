// Mocha reporter: the usual spec output, plus the totals written to $ORM_TD_COUNTS_FILE so
// scripts/test-all.mjs can add up all layers. Works in plain Node and in the extension host.
import * as fs from "node:fs";
import Mocha = require("mocha");

class CountingReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options: Mocha.MochaOptions) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const file = process.env["ORM_TD_COUNTS_FILE"];
      const s = runner.stats;
      if (file && s) {
        fs.writeFileSync(file, JSON.stringify({ passed: s.passes, failed: s.failures, pending: s.pending }));
      }
    });
  }
}

export = CountingReporter;
