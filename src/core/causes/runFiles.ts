// The files a run's causes can point into. The CLI indexes the project's other modules while
// pytest runs, and of the test modules only these, each as soon as the run names it
// (src/cli/runIndex.ts): on a 1,000-test suite the
// full index cost pytest 7–13% of its time in CPU contention on two cores, for test files no
// cause reads (a test module matters when one of its tests failed, or left, committed or
// collided with a row; its own fixtures and factories live there too).
import * as path from "node:path";
import { isTestFile, type ProjectIndex } from "../index";
import { moduleOf } from "../index/facts";
import type { Message, Provenance } from "../protocol";
import { realPath } from "../realPath";

/** Absolute paths of the files named by the failing tests and by every test whose provenance
 * tells of a durable or conflicting write, a commit, an engine's first use, a savepoint trap. */
export function filesNamedByRun(messages: readonly Message[], rootdir: string, alsoTests: readonly string[] = []): Set<string> {
  const failing = new Set<string>();
  for (const m of messages) {
    if ((m.type === "report" && m.outcome === "failed") || (m.type === "finished" && (m.outcome === "failed" || m.outcome === "errored"))) failing.add(m.nodeid);
  }
  const files = new Set<string>();
  const addNodeid = (nodeid: string): void => {
    const file = nodeid.split("::")[0];
    if (file) files.add(path.resolve(rootdir, file));
  };
  for (const nodeid of [...failing, ...alsoTests]) addNodeid(nodeid);
  const orphans = writerlessConflicts(messages, failing);
  for (const m of messages) {
    if (m.type !== "provenance" || !(failing.has(m.nodeid) || telling(m) || wroteOne(m, orphans))) continue;
    addNodeid(m.nodeid);
    collect(m, files, addNodeid, 0);
  }
  return files;
}

/** The walked test modules (root-relative) among `named` (absolute). Compared as real paths:
 * pytest's rootdir has its symlinks resolved, `root` is the folder as the user gave it. */
export function testModulesAmong(walked: readonly string[], root: string, named: ReadonlySet<string>): string[] {
  const fold = (p: string): string => (process.platform === "win32" ? p.toLowerCase() : p);
  const want = new Set<string>();
  for (const n of named) {
    want.add(fold(path.resolve(n)));
    want.add(fold(realPath(n)));
  }
  const realRoot = realPath(root);
  return walked.filter((f) => isTestFile(f) && (want.has(fold(path.join(root, f))) || want.has(fold(path.join(realRoot, f)))));
}

/** "table|columns|values" of the failing tests' conflicts with no writer of this process (rows
 * another xdist worker wrote, say): the engine then looks the values up in every test's writes. */
function writerlessConflicts(messages: readonly Message[], failing: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  for (const m of messages) {
    if (m.type !== "provenance" || !failing.has(m.nodeid)) continue;
    for (const c of m.conflicts ?? []) if (!c.writer) out.add(`${c.table}|${c.columns.join(",")}|${JSON.stringify(c.values)}`);
  }
  return out;
}

function wroteOne(p: Provenance, orphans: ReadonlySet<string>): boolean {
  if (!orphans.size) return false;
  for (const w of p.writes ?? []) {
    if (w.op !== "insert") continue;
    for (const key of w.keys ?? []) {
      for (const [cols, values] of Object.entries(key)) if (orphans.has(`${w.table}|${cols}|${JSON.stringify(values)}`)) return true;
    }
  }
  return false;
}

function telling(p: Provenance): boolean {
  if (p.conflicts?.length || p.engines?.length || p.sites?.outermostSavepoint) return true;
  if ((p.tx?.["commit"] ?? 0) > 0 || (p.tx?.["durableRelease"] ?? 0) > 0) return true;
  return (p.writes ?? []).some((w) => w.committed > 0 || (w.survived ?? 0) > 0);
}

/** Every `file` (absolute) and every `test` / `nodeid` (rootdir-relative) inside a message. */
function collect(value: unknown, files: Set<string>, addNodeid: (nodeid: string) => void, depth: number): void {
  if (depth > 8 || value === null || typeof value !== "object") return;
  if (Array.isArray(value)) {
    for (const v of value) collect(v, files, addNodeid, depth + 1);
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === "string") {
      if (k === "file" && path.isAbsolute(v)) files.add(v);
      else if (k === "test" || k === "nodeid") addNodeid(v);
    } else if (k !== "keys" && k !== "values") collect(v, files, addNodeid, depth + 1);
  }
}

/** Test modules (root-relative, from `walked`) that indexed files import or load with
 * `pytest_plugins`: fixtures and factories a named test reaches live there too. By dotted name
 * and by each of its tails (`tests.test_helpers`, `test_helpers`: the rootdir on sys.path). */
export function testModulesImported(index: ProjectIndex, walked: readonly string[]): string[] {
  const byName = new Map<string, string>();
  for (const f of walked) {
    if (!isTestFile(f) || index.fileFacts(f)) continue;
    const parts = moduleOf(f).split(".");
    for (let i = 0; i < parts.length; i++) byName.set(parts.slice(i).join("."), f);
  }
  if (!byName.size) return [];
  const found = new Set<string>();
  for (const rel of index.files()) {
    const facts = index.fileFacts(rel);
    for (const target of [...(facts?.bindings.map((b) => b.target) ?? []), ...(facts?.pytestPlugins ?? [])]) {
      const parts = target.split(".");
      for (let n = parts.length; n > 0; n--) {
        const hit = byName.get(parts.slice(0, n).join("."));
        if (hit) found.add(hit);
      }
    }
  }
  return [...found];
}
