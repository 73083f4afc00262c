// Finds the Python files of a workspace, leaving out what src/core/skip.ts says is not the
// user's code (virtualenvs, installed packages, caches, git-ignored paths).
import * as fs from "node:fs";
import * as path from "node:path";
import { baseIgnoreRules, isVirtualenv, SKIP_DIRS, withGitignore } from "../skip";
import { type IgnoreRules, isIgnored } from "./gitignore";

export interface WalkOptions {
  signal?: AbortSignal;
  /** Extra folder names to skip. */
  skip?: readonly string[];
}

/** Root-relative "/"-separated paths of the .py files under `root`, sorted. */
export async function findPythonFiles(root: string, options: WalkOptions = {}): Promise<string[]> {
  const skip = new Set([...SKIP_DIRS, ...(options.skip ?? [])]);
  const out: string[] = [];

  const visit = async (rel: string, stack: IgnoreRules[]): Promise<void> => {
    if (options.signal?.aborted) return;
    const abs = rel ? path.join(root, rel) : root;
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(abs, { withFileTypes: true });
    } catch {
      return; // unreadable folder: skip
    }
    if (rel && isVirtualenv(entries)) return;
    const rules = entries.some((e) => e.name === ".gitignore" && e.isFile()) ? await withGitignore(root, rel, stack) : stack;
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
  await visit("", await baseIgnoreRules(root));
  return out.sort();
}
