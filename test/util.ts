import * as path from "node:path";
import * as fs from "node:fs";
import * as os from "node:os";
import { spawnSync } from "node:child_process";

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

/** The two Python stacks, as set up by scripts/setup.sh: legacy is Debian 12's packages for
 * /usr/bin/python3 (pytest 7, SQLAlchemy 1.4); modern is Debian 13's pure-Python packages
 * unpacked into .cache/py-modern and put first on PYTHONPATH (pytest 8, SQLAlchemy 2.0). */
export function pythonStacks(): PythonStack[] {
  const modern = path.join(repoRoot(), ".cache", "py-modern", "usr", "lib", "python3", "dist-packages");
  return [
    { name: "legacy", python: "/usr/bin/python3", env: {} },
    { name: "modern", python: "/usr/bin/python3", env: { PYTHONPATH: modern } },
  ];
}

/** A fresh temp folder holding `files` (root-relative path → text). */
export function writeTree(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "otd-tree-"));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  return root;
}

/** pids of live (non-zombie) processes whose environment holds `needle` ("environ": a marker
 * variable, so other pytest runs on the machine do not count), or whose command line or working
 * folder mentions it ("command": pytest and what it started in a project copy). */
export function processesWith(needle: string, where: "environ" | "command" = "environ"): number[] {
  const found: number[] = [];
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) continue;
      const hit = where === "environ"
        ? fs.readFileSync(`/proc/${name}/environ`, "latin1").includes(needle)
        : fs.readFileSync(`/proc/${name}/cmdline`, "utf8").includes(needle) || fs.readlinkSync(`/proc/${name}/cwd`).includes(needle);
      if (hit) found.push(Number(name));
    } catch {
      // ended while we looked, or not ours to read
    }
  }
  return found;
}

/** One plain pytest run in `dir` (`env` over this process's), as a user would start it. */
export function runPytest(dir: string, env: Record<string, string>): { status: number | null; out: string } {
  const r = spawnSync("/usr/bin/python3", ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"], { cwd: dir, encoding: "utf8", env: { ...process.env, ...env }, timeout: 120_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** `orm-test-doctor diagnose DIR --json` (the built CLI), with `env` over this process's. */
export function diagnoseJson(dir: string, env: Record<string, string>, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const cli = path.join(repoRoot(), "out", "src", "cli", "main.js");
  const r = spawnSync(process.execPath, [cli, "diagnose", dir, "--python", "/usr/bin/python3", "--json", ...args], { encoding: "utf8", env: { ...process.env, ...env }, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A reader of a folder's files, as a fix's context reads them (undefined: missing). */
export function folderReader(dir: string): (file: string) => string | undefined {
  return (f) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), "utf8") : undefined);
}

/** models.py of the small real-pytest projects: one table with a unique email. */
export const USERS_MODEL = `from sqlalchemy import Column, Integer, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    email = Column(String(100), unique=True, nullable=False)
`;
