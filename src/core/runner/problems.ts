// Why a pytest process did not end the normal way, in words a user can act on.

export type ProblemKind =
  | "interpreter-missing" // the Python executable does not exist or cannot run
  | "pytest-missing" // the interpreter runs but has no pytest
  | "plugin-missing" // our python/ folder is not where the caller said
  | "usage-error" // pytest exit code 4: bad arguments or configuration
  | "internal-error" // pytest exit code 3
  | "crashed" // ended without session_finished (killed, segfault, os._exit, ...)
  | "no-report" // ended normally but the plugin never connected
  | "cancelled";

export interface Problem {
  kind: ProblemKind;
  message: string;
}

export class RunnerError extends Error {
  constructor(readonly kind: ProblemKind, message: string) {
    super(message);
    this.name = "RunnerError";
  }
}

export function pytestMissing(python: string, detail: string): Problem {
  return {
    kind: "pytest-missing",
    message:
      `pytest is not installed for ${python}${detail ? ` (${detail})` : ""}. ` +
      `Install it into that environment (\`${python} -m pip install pytest\`) or set ` +
      `"ormTestDoctor.python" to the interpreter of your project's environment.`,
  };
}

export function interpreterMissing(tried: readonly string[]): Problem {
  return {
    kind: "interpreter-missing",
    message:
      `No usable Python interpreter: tried ${tried.join("; ")}. ` +
      `Set "ormTestDoctor.python" to your project's interpreter (or select one in the Python extension).`,
  };
}

export interface ExitFacts {
  python: string;
  pluginDir: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  spawnError: NodeJS.ErrnoException | undefined;
  cancelled: boolean;
  hello: boolean;
  sessionFinished: boolean;
  tail: string; // stderr tail, or stdout tail when stderr is empty
  running: readonly string[]; // tests started but not finished
}

export function classifyExit(f: ExitFacts): Problem | undefined {
  if (f.spawnError !== undefined) {
    return f.spawnError.code === "ENOENT" || f.spawnError.code === "EACCES"
      ? interpreterMissing([`${f.python} (${f.spawnError.code})`])
      : { kind: "crashed", message: `Could not start ${f.python}: ${f.spawnError.message}` };
  }
  if (f.cancelled) return { kind: "cancelled", message: "Cancelled; results received so far are kept." };
  if (f.sessionFinished) return undefined;
  const tail = f.tail.trim();
  const said = tail ? `\n${tail}` : "";
  if (/No module named '?pytest'?$/m.test(tail) || /No module named pytest\b/.test(tail)) return pytestMissing(f.python, "");
  if (/orm_test_doctor/.test(tail) && /Error importing plugin|No module named 'orm_test_doctor/.test(tail)) {
    return { kind: "plugin-missing", message: `ORM Test Doctor's pytest plugin could not be imported from ${f.pluginDir}.${said}` };
  }
  if (f.code === 4 && /ImportError while loading conftest '([^']+)'/.test(tail)) {
    const file = /ImportError while loading conftest '([^']+)'/.exec(tail)?.[1] ?? "conftest.py";
    return { kind: "usage-error", message: `pytest could not import ${file} (exit code 4): fix the import error in that conftest.py:${said}` };
  }
  if (f.code === 4) return { kind: "usage-error", message: `pytest rejected the command line or configuration (exit code 4):${said}` };
  if (f.code === 3) return { kind: "internal-error", message: `pytest had an internal error (exit code 3):${said}` };
  if (!f.hello && f.signal === null) {
    return { kind: "no-report", message: `pytest ended (exit code ${f.code ?? "?"}) but the ORM Test Doctor plugin never reported.${said}` };
  }
  const how = f.signal !== null ? `was killed by ${f.signal}` : `exited with code ${f.code ?? "?"}`;
  const during = f.running.length ? ` while running ${f.running.join(", ")}` : "";
  return { kind: "crashed", message: `pytest ${how}${during} before finishing the session. Last output:${said}` };
}
