// The package's bin (dist/cli.js): starts pytest for `diagnose <folder>` before the rest of the
// CLI is loaded (prestart.ts says why), then loads it: dist/cliMain.js in the bundle,
// main.js beside this file in development.
import * as fs from "node:fs";
import * as path from "node:path";
import { startEarly } from "./prestart";

startEarly(process.argv.slice(2));
// after the runner's socket is listening and pytest spawned (a tick and a microtask away): the
// require below holds the event loop for its 40 ms
setImmediate(() => {
  const bundled = path.join(__dirname, "cliMain.js");
  // a computed path: the bundler leaves this require to run time
  require(fs.existsSync(bundled) ? bundled : path.join(__dirname, "main.js"));
});
