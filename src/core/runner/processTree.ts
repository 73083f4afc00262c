// Ending pytest with everything it started (xdist workers, the user's subprocesses).
// pytest is spawned detached, so it leads its own process group: one signal to -pid reaches
// the group. Descendants that left the group (setsid) are found by walking parent pids.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";

/** pid → parent pid for every visible process (Linux: /proc; elsewhere: ps). */
export function parentPids(): Map<number, number> {
  const map = new Map<number, number>();
  if (fs.existsSync("/proc/self/stat")) {
    for (const name of fs.readdirSync("/proc")) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = fs.readFileSync(`/proc/${name}/stat`, "utf8");
        // "pid (comm) state ppid ..." – comm may hold spaces and parens, so split after the last ")"
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        map.set(Number(name), ppid);
      } catch {
        // the process ended while we looked
      }
    }
    return map;
  }
  const out = execFileSync("ps", ["-A", "-o", "pid=,ppid="], { encoding: "utf8" });
  for (const line of out.split("\n")) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number);
    if (pid !== undefined && ppid !== undefined && !Number.isNaN(pid)) map.set(pid, ppid);
  }
  return map;
}

export function descendants(root: number): number[] {
  const parents = parentPids();
  const found: number[] = [];
  let frontier = [root];
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const [pid, ppid] of parents) if (frontier.includes(ppid) && !found.includes(pid)) next.push(pid);
    found.push(...next);
    frontier = next;
  }
  return found;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** A zombie (ended, not yet reaped by its parent) counts as gone. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return process.platform !== "linux";
  }
}

/** SIGTERM to the group and every descendant, then SIGKILL to whatever is left after graceMs. */
export async function killTree(pid: number, graceMs: number): Promise<void> {
  if (process.platform === "win32") {
    try {
      execFileSync("taskkill", ["/pid", String(pid), "/T", "/F"], { stdio: "ignore" });
    } catch {
      // already gone
    }
    return;
  }
  const tree = [pid, ...descendants(pid)];
  signal(-pid, "SIGTERM");
  for (const p of tree) signal(p, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && tree.some(isAlive)) await sleep(25);
  // children born during the grace period are caught by the group signal and a second walk
  const late = descendants(pid);
  signal(-pid, "SIGKILL");
  for (const p of [...tree, ...late]) signal(p, "SIGKILL");
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
