import * as path from "node:path";
import * as fs from "node:fs";

/** The repository root, found from compiled (out/test/...) or source locations. */
export function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, "package.json")) || path.basename(dir) === "out") {
    const up = path.dirname(dir);
    if (up === dir) throw new Error("repository root not found from " + __dirname);
    dir = up;
  }
  return dir;
}

export function fixturePath(...parts: string[]): string {
  return path.join(repoRoot(), "test", "fixtures", ...parts);
}

export interface PythonStack {
  readonly name: "legacy" | "modern";
  readonly python: string;
  readonly env: Record<string, string>;
}

/** The two Python stacks of ../shared/notes/python-stacks.md, as set up by scripts/setup.sh. */
export function pythonStacks(): PythonStack[] {
  const modern = path.join(repoRoot(), ".cache", "py-modern", "usr", "lib", "python3", "dist-packages");
  return [
    { name: "legacy", python: "/usr/bin/python3", env: {} },
    { name: "modern", python: "/usr/bin/python3", env: { PYTHONPATH: modern } },
  ];
}
