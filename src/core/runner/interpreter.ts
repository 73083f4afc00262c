// Which Python to run: the first candidate that starts, and whether it has pytest.
import { execFile } from "node:child_process";
import { interpreterMissing, pytestMissing, RunnerError } from "./problems";

export interface Interpreter {
  path: string; // as given (not resolved: a venv's python must stay the venv's)
  executable: string; // sys.executable
  version: string; // "3.11.2"
  pytestVersion: string;
  /** The installed SQLAlchemy ("2.0.40"), read from its metadata without importing it. */
  sqlalchemyVersion?: string;
}

const PROBE = [
  "import json, sys",
  "try:",
  "    import pytest; v = pytest.__version__",
  "except Exception as e:",
  "    v = None; err = '%s: %s' % (type(e).__name__, e)",
  "else:",
  "    err = None",
  "try:",
  "    from importlib.metadata import version as _version; sa = _version('sqlalchemy')",
  "except Exception:",
  "    sa = None",
  "print(json.dumps({'executable': sys.executable, 'version': sys.version.split()[0], 'pytest': v, 'error': err, 'sqlalchemy': sa}))",
].join("\n");

interface Probe {
  executable: string;
  version: string;
  pytest: string | null;
  error: string | null;
  sqlalchemy?: string | null;
}

function probe(python: string, env: NodeJS.ProcessEnv, cwd: string | undefined): Promise<Probe | string> {
  return new Promise((resolve) => {
    execFile(python, ["-c", PROBE], { env, cwd, timeout: 20000, windowsHide: true }, (err, stdout, stderr) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        resolve(typeof code === "string" ? code : `exit code ${String(err.code ?? err.signal)}: ${stderr.trim().slice(-300)}`);
        return;
      }
      try {
        resolve(JSON.parse(stdout.trim().split("\n").pop() ?? "") as Probe);
      } catch {
        resolve(`unexpected output: ${stdout.slice(0, 200)}`);
      }
    });
  });
}

/** First candidate that runs wins; throws RunnerError("interpreter-missing") when none runs and
 * RunnerError("pytest-missing") when the winner has no pytest. env: the environment pytest will
 * run with (a PYTHONPATH there may be what provides pytest). */
export async function findInterpreter(
  candidates: readonly string[],
  options: { env?: Readonly<Record<string, string | undefined>>; cwd?: string } = {},
): Promise<Interpreter> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  const tried: string[] = [];
  for (const candidate of candidates) {
    if (!candidate) continue;
    const found = await probe(candidate, env, options.cwd);
    if (typeof found === "string") {
      tried.push(`${candidate} (${found})`);
      continue;
    }
    if (found.pytest === null) throw new RunnerError("pytest-missing", pytestMissing(candidate, `Python ${found.version}: ${found.error ?? ""}`).message);
    return { path: candidate, executable: found.executable, version: found.version, pytestVersion: found.pytest, ...(found.sqlalchemy ? { sqlalchemyVersion: found.sqlalchemy } : {}) };
  }
  throw new RunnerError("interpreter-missing", interpreterMissing(tried.length ? tried : ["(no candidates)"]).message);
}
