// Bundles the extension (and the CLI) with esbuild, and copies what cannot be bundled:
// the tree-sitter .wasm files and the sqlite3 native binding.
import * as esbuild from "esbuild";
import * as fs from "node:fs";
import * as path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const dist = path.join(root, "dist");
const watch = process.argv.includes("--watch");

// sqlite3 loads its binding through the `bindings` package, which searches the disk at run time;
// in a bundle that search fails, so point the require straight at the copied .node file.
const sqliteBinding = {
  name: "sqlite3-binding",
  setup(build) {
    build.onLoad({ filter: /sqlite3[\\/]lib[\\/]sqlite3-binding\.js$/ }, () => ({
      contents: 'module.exports = require("./node_sqlite3.node");',
      loader: "js",
      resolveDir: dist,
    }));
    build.onResolve({ filter: /\.node$/ }, (args) => ({ path: args.path, external: true }));
  },
};

function copyAssets() {
  fs.mkdirSync(dist, { recursive: true });
  const copies = [
    [require.resolve("web-tree-sitter/tree-sitter.wasm"), "tree-sitter.wasm"],
    [path.join(path.dirname(require.resolve("tree-sitter-python/package.json")), "tree-sitter-python.wasm"), "tree-sitter-python.wasm"],
    [path.join(path.dirname(require.resolve("sqlite3/package.json")), "build", "Release", "node_sqlite3.node"), "node_sqlite3.node"],
  ];
  for (const [from, to] of copies) {
    if (!fs.existsSync(from)) throw new Error(`missing ${from} (run npm ci; sqlite3 must be built)`);
    fs.copyFileSync(from, path.join(dist, to));
  }
}

const entries = [
  ["src/vscode/extension.ts", "extension.js"],
  // the bin: starts pytest for `diagnose <folder>`, then loads cliMain.js (src/cli/prestart.ts)
  ["src/cli/early.ts", "cli.js"],
  ["src/cli/main.ts", "cliMain.js"],
  ["src/core/index/worker.ts", "indexWorker.js"],
].filter(([src]) => fs.existsSync(path.join(root, src)));

const contexts = await Promise.all(
  entries.map(([src, out]) =>
    esbuild.context({
      entryPoints: [path.join(root, src)],
      outfile: path.join(dist, out),
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node20",
      external: ["vscode", "web-tree-sitter/tree-sitter.wasm", "tree-sitter-python/package.json"],
      sourcemap: true,
      minify: !watch,
      logLevel: "warning",
      plugins: [sqliteBinding],
      // web-tree-sitter calls createRequire(import.meta.url), which a CJS bundle must provide.
      define: { "import.meta.url": "__importMetaUrl" },
      // cli.js is the package's bin (`npx orm-test-doctor`): it starts with a shebang.
      banner: { js: `${out === "cli.js" ? "#!/usr/bin/env node\n" : ""}const __importMetaUrl = require("url").pathToFileURL(__filename).href;` },
    }),
  ),
);
copyAssets();
const makeExecutable = () => fs.existsSync(path.join(dist, "cli.js")) && fs.chmodSync(path.join(dist, "cli.js"), 0o755);
if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
  makeExecutable();
}
