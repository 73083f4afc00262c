// Loads tree-sitter (WASM) and the Python grammar once, lazily, and hands out one reused parser.
import * as fs from "node:fs";
import * as path from "node:path";
import { Language, Parser, type Tree } from "web-tree-sitter";

export const WASM_FILES = ["tree-sitter.wasm", "tree-sitter-python.wasm"] as const;

let loading: Promise<Parser> | undefined;

/**
 * Folder holding both .wasm files. In the bundle they sit next to dist/extension.js; in
 * development and unit tests they come from node_modules.
 */
export function defaultWasmDir(): string {
  const bundled = path.join(__dirname, "tree-sitter-python.wasm");
  return fs.existsSync(bundled) ? __dirname : "";
}

function wasmPath(dir: string, file: (typeof WASM_FILES)[number]): string {
  if (dir) return path.join(dir, file);
  return file === "tree-sitter.wasm"
    ? require.resolve("web-tree-sitter/tree-sitter.wasm")
    : path.join(path.dirname(require.resolve("tree-sitter-python/package.json")), file);
}

/** The shared Python parser; the first call loads the WASM runtime and grammar. */
export function pythonParser(wasmDir: string = defaultWasmDir()): Promise<Parser> {
  loading ??= (async () => {
    const runtime = wasmPath(wasmDir, "tree-sitter.wasm");
    await Parser.init({ locateFile: () => runtime });
    const language = await Language.load(wasmPath(wasmDir, "tree-sitter-python.wasm"));
    const parser = new Parser();
    parser.setLanguage(language);
    return parser;
  })();
  loading.catch(() => (loading = undefined));
  return loading;
}

/** Parses `source`, gives the tree to `use`, and frees the tree afterwards (WASM memory). */
export async function withPythonTree<T>(source: string, use: (tree: Tree) => T): Promise<T> {
  const parser = await pythonParser();
  const tree = parser.parse(source);
  if (!tree) throw new Error("tree-sitter returned no tree");
  try {
    return use(tree);
  } finally {
    tree.delete();
  }
}
