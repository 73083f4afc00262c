// Finds the Python files of a workspace: skips .git, virtualenvs, node_modules, caches and
// git-ignored paths.
import * as fs from "node:fs";
import * as path from "node:path";
import { IgnoreRules, isIgnored } from "./gitignore";

const SKIP_DIRS = new Set([
  ".git",
  ".hg",
  ".svn",
  "node_modules",
  "__pycache__",
  "venv",
  ".venv",
  "env",
  ".env",
  "site-packages",
  ".tox",
  ".nox",
  ".mypy_cache",
  ".pytest_cache",
  ".ruff_cache",
]);

export interface WalkOptions {
  signal?: AbortSignal;
  /** Extra folder names to skip. */
  skip?: readonly string[];
}

/** Root-relative "/"-separated paths of the .py files under `root`, sorted. */
export async function findPythonFiles(root: string, options: WalkOptions = {}): Promise<string[]> {
  const skip = new Set([...SKIP_DIRS, ...(options.skip ?? [])]);
  const out: string[] = [];
  const base: IgnoreRules[] = [];
  const exclude = await readText(path.join(root, ".git", "info", "exclude"));
  if (exclude) base.push(new IgnoreRules("", exclude));

  const visit = async (rel: string, stack: IgnoreRules[]): Promise<void> => {
    if (options.signal?.aborted) return;
    const abs = rel ? path.join(root, rel) : root;
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(abs, { withFileTypes: true });
    } catch {
      return; // unreadable folder: skip
    }
    if (rel && entries.some((e) => e.name === "pyvenv.cfg" && e.isFile())) return; // a virtualenv
    const gi = entries.some((e) => e.name === ".gitignore" && e.isFile()) ? await readText(path.join(abs, ".gitignore")) : undefined;
    const rules = gi ? [...stack, new IgnoreRules(rel, gi)] : stack;
    const subdirs: string[] = [];
    for (const e of entries) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (skip.has(e.name) || isIgnored(rules, child, true)) continue;
        subdirs.push(child);
      } else if (e.isFile() && e.name.endsWith(".py")) {
        if (!isIgnored(rules, child, false)) out.push(child);
      }
    }
    await Promise.all(subdirs.map((d) => visit(d, rules)));
  };
  await visit("", base);
  return out.sort();
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await fs.promises.readFile(file, "utf8");
  } catch {
    return undefined;
  }
}
