// The package's bin (dist/cli.js): starts pytest for `diagnose <folder>` before the rest of the
// CLI is loaded (prestart.ts says why), then loads it: dist/cliMain.js in the bundle,
// main.js beside this file in development.
import * as fs from "node:fs";
import * as path from "node:path";
import { cancelEarly, startEarly } from "./prestart";

startEarly(process.argv.slice(2));
// after the runner's socket is listening and pytest spawned (a tick and a microtask away): the
// require below holds the event loop for its 40 ms
setImmediate(() => {
  const bundled = path.join(__dirname, "cliMain.js");
  try {
    // a computed path: the bundler leaves this require to run time
    require(fs.existsSync(bundled) ? bundled : path.join(__dirname, "main.js"));
  } catch (err) {
    // a broken install: the pytest started above must not outlive us
    cancelEarly();
    console.error(`orm-test-doctor: the CLI could not be loaded (${err instanceof Error ? err.message : String(err)})`);
    process.exitCode = 2;
  }
});
