// The files a run's causes can point into. The CLI indexes the project's other modules while
// pytest runs, and of the test modules only these, once it is over: on a 1,000-test suite the
// full index cost pytest 7–13% of its time in CPU contention on two cores, for test files no
// cause reads (a test module matters when one of its tests failed, or left, committed or
// collided with a row; its own fixtures and factories live there too).
import * as path from "node:path";
import type { Message, Provenance } from "../protocol";

/** Absolute paths of the files named by the failing tests and by every test whose provenance
 * tells of a durable or conflicting write, a commit, an engine's first use, a savepoint trap. */
export function filesNamedByRun(messages: readonly Message[], rootdir: string): Set<string> {
  const failing = new Set<string>();
  for (const m of messages) {
    if ((m.type === "report" && m.outcome === "failed") || (m.type === "finished" && (m.outcome === "failed" || m.outcome === "errored"))) failing.add(m.nodeid);
  }
  const files = new Set<string>();
  const addNodeid = (nodeid: string): void => {
    const file = nodeid.split("::")[0];
    if (file) files.add(path.resolve(rootdir, file));
  };
  for (const nodeid of failing) addNodeid(nodeid);
  for (const m of messages) {
    if (m.type !== "provenance" || !(failing.has(m.nodeid) || telling(m))) continue;
    addNodeid(m.nodeid);
    collect(m, files, addNodeid, 0);
  }
  return files;
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
