// Runs the fixture project (test/fixtures/dbservers/project) against a live server: once through
// our runner (plugin reports + terminal text of the same run) and once plainly with --junitxml.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Message } from "../../../src/core/protocol";
import { run } from "../../../src/core/runner";
import { fixturePath, repoRoot, type PythonStack } from "../../util";

export const PROJECT = fixturePath("dbservers", "project");
/** pytest arguments of both runs: fixed width, no cache folder in the fixture, -rfE summary. */
export const PYTEST_ARGS = ["-p", "no:cacheprovider", "-rfE"] as const;

export type ReportMessage = Extract<Message, { type: "report" }>;

export interface ProjectRun {
  reports: ReportMessage[];
  messages: Message[];
  /** stdout of the runner's run (what the terminal shows). */
  text: string;
  stderr: string;
  exitCode: number | null;
  junitXml: string;
  /** stdout of the plain junit run. */
  junitRunText: string;
  ms: { runner: number; junit: number };
}

const UNSET = ["CI", "BUILD_NUMBER", "PYTEST_ADDOPTS", "PYTEST_PLUGINS"] as const;

/** COLUMNS fixes the summary-line width; pytest checks CI / BUILD_NUMBER for presence, so they are
 *  removed (undefined) and summary lines are cut as on a developer's terminal. */
function env(stack: PythonStack, url: string): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = { ...stack.env, DATABASE_URL: url, COLUMNS: "120" };
  for (const k of UNSET) out[k] = undefined;
  return out;
}

function processEnv(stack: PythonStack, url: string): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(env(stack, url))) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

export async function runProject(stack: PythonStack, url: string, timeoutMs = 60_000): Promise<ProjectRun> {
  const signal = AbortSignal.timeout(timeoutMs);
  let text = "";
  let stderr = "";
  const t0 = Date.now();
  const res = await run(
    { python: stack.python, cwd: PROJECT, pluginDir: path.join(repoRoot(), "python"), args: [...PYTEST_ARGS], env: env(stack, url), signal },
    [],
    (e) => {
      if (e.type === "output") {
        if (e.stream === "stdout") text += e.text;
        else stderr += e.text;
      }
    },
  );
  if (res.exit.cancelled) throw new Error(`pytest (${stack.name}) did not finish within ${timeoutMs} ms`);
  const t1 = Date.now();
  const reports = res.messages.filter((m): m is ReportMessage => m.type === "report");

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "otd-junit-"));
  const xmlFile = path.join(tmp, "junit.xml");
  let junitRunText = "";
  try {
    junitRunText = await new Promise<string>((resolve, reject) => {
      execFile(
        stack.python,
        ["-m", "pytest", ...PYTEST_ARGS, "-q", `--junitxml=${xmlFile}`],
        { cwd: PROJECT, env: processEnv(stack, url), timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 16 << 20 },
        (err, stdout, errText) => {
          // exit code 1 = tests failed, as designed
          const code = (err as { code?: unknown } | null)?.code;
          if (err && code !== 1) reject(new Error(`plain pytest run failed (${String(code)}): ${String(errText).slice(-2000)}`));
          else resolve(String(stdout));
        },
      );
    });
    const junitXml = fs.readFileSync(xmlFile, "utf8");
    return { reports, messages: res.messages, text, stderr, exitCode: res.exit.code, junitXml, junitRunText, ms: { runner: t1 - t0, junit: Date.now() - t1 } };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

// ---- samples ---------------------------------------------------------------------------------

/** Replaces what varies run to run or machine to machine (as samples/generate.sh does). */
export function normalizeText(s: string): string {
  return s
    .replace(/ in [0-9.]+s( \(\d+:\d+:\d+\))? /g, " in 0.00s ")
    .replace(/0x[0-9a-f]{6,}/g, "0x7f0000000000")
    .split(repoRoot())
    .join("/repo");
}

export function normalizeXml(s: string): string {
  return normalizeText(s)
    .replace(/timestamp="[^"]*"/g, 'timestamp="2024-01-01T00:00:00"')
    .replace(/hostname="[^"]*"/g, 'hostname="host"')
    .replace(/time="[0-9.]+"/g, 'time="0.001"');
}

/** Report messages with an error, one JSON object a line, durations and paths made stable. */
export function normalizeReports(reports: readonly ReportMessage[]): string {
  const ids = new Map<string, string>(); // id() of each Session → 1, 2, ... in order of appearance
  const lines = reports
    .filter((r) => r.outcome === "failed" && r.error)
    .map((r) =>
      normalizeText(JSON.stringify({ ...r, duration: 0 })).replace(/"sessionId":"(\d+)"/g, (_m, id: string) => {
        if (!ids.has(id)) ids.set(id, String(ids.size + 1));
        return `"sessionId":"${ids.get(id) ?? "0"}"`;
      }),
    );
  return lines.join("\n") + "\n";
}
