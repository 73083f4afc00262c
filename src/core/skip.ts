// The one rule for "not the user's code": folders of virtualenvs, installed packages, version
// control and tool caches, plus git-ignored paths. Used by the index walk, the index update after
// file changes, the file watcher and the user-frame picker, so they never disagree.
import * as fs from "node:fs";
import * as path from "node:path";
import { IgnoreRules, isIgnored } from "./index/gitignore";

export const SKIP_DIRS: ReadonlySet<string> = new Set([
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
  "dist-packages",
  ".tox",
  ".nox",
  ".mypy_cache",
  ".pytest_cache",
  ".ruff_cache",
]);

/** True when a folder of the path ("/" or "\" separated, the last part being the file) is a skipped name. */
export function inSkippedDir(file: string): boolean {
  const parts = file.split(/[\\/]/);
  parts.pop();
  return parts.some((p) => SKIP_DIRS.has(p));
}

/** A folder holding pyvenv.cfg is a virtualenv whatever its name. */
export function isVirtualenv(entries: readonly fs.Dirent[]): boolean {
  return entries.some((e) => e.name === "pyvenv.cfg" && e.isFile());
}

/** The rules of `root`/.git/info/exclude, which apply before any .gitignore. */
export async function baseIgnoreRules(root: string): Promise<IgnoreRules[]> {
  const text = await readText(path.join(root, ".git", "info", "exclude"));
  return text ? [new IgnoreRules("", text)] : [];
}

/** `stack` plus the .gitignore of folder `rel` (root-relative, "" for the root), if it has one. */
export async function withGitignore(root: string, rel: string, stack: IgnoreRules[]): Promise<IgnoreRules[]> {
  const text = await readText(path.join(root, rel, ".gitignore"));
  return text ? [...stack, new IgnoreRules(rel, text)] : stack;
}

/** Whether the index walk would leave out file `rel` ("/"-separated, relative to `root`). */
export async function isSkippedPath(root: string, rel: string): Promise<boolean> {
  if (inSkippedDir(rel)) return true;
  const parts = rel.split("/");
  let stack = await baseIgnoreRules(root);
  let dir = "";
  for (let i = 0; i < parts.length; i++) {
    if (dir && (await readText(path.join(root, dir, "pyvenv.cfg"))) !== undefined) return true;
    stack = await withGitignore(root, dir, stack);
    const child = dir ? `${dir}/${parts[i]}` : (parts[i] ?? "");
    // an ignored folder hides everything in it, as in git
    if (isIgnored(stack, child, i < parts.length - 1)) return true;
    dir = child;
  }
  return false;
}

/** The files of `files` (absolute) that are under `root` and not skipped. */
export async function userFiles(root: string, files: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const f of files) {
    const rel = path.relative(root, f).split(path.sep).join("/");
    if (!rel || rel === ".." || rel.startsWith("../") || path.isAbsolute(rel)) continue;
    if (!(await isSkippedPath(root, rel))) out.push(f);
  }
  return out;
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await fs.promises.readFile(file, "utf8");
  } catch {
    return undefined;
  }
}
