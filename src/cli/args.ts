// The CLI's arguments and where its plugin is: kept apart from the commands, so that the early
// entry (early.ts) can read them without loading the rest of the CLI.
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";

export class UsageError extends Error {}

export type Format = "text" | "json" | "github";

export interface Options {
  target: string;
  python: string | undefined;
  format: Format;
  trace: boolean;
  bisect: boolean;
  project: string | undefined;
  pytestArgs: string[];
}

export function parseDiagnoseArgs(argv: readonly string[]): Options {
  const dash = argv.indexOf("--");
  const own = dash >= 0 ? argv.slice(0, dash) : [...argv];
  let values: { python?: string | undefined; json?: boolean | undefined; format?: string | undefined; "no-trace"?: boolean | undefined; "no-bisect"?: boolean | undefined; project?: string | undefined };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: own,
      options: { python: { type: "string" }, json: { type: "boolean" }, format: { type: "string" }, "no-trace": { type: "boolean" }, "no-bisect": { type: "boolean" }, project: { type: "string" } },
      allowPositionals: true,
      strict: true,
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (positionals.length > 1) throw new UsageError(`one PATH at most, got: ${positionals.join(" ")}`);
  if (values.python !== undefined && values.python.trim() === "") throw new UsageError("--python needs an interpreter path");
  const format = values.json ? "json" : (values.format ?? "text");
  if (format !== "text" && format !== "json" && format !== "github") throw new UsageError(`--format must be text, json or github, not ${format}`);
  if (values.json && values.format && values.format !== "json") throw new UsageError("--json and --format disagree");
  return { target: positionals[0] ?? ".", python: values.python ?? process.env["ORM_TD_PYTHON"], format, trace: !values["no-trace"], bisect: !values["no-bisect"] && !values["no-trace"], project: values.project, pytestArgs: dash >= 0 ? argv.slice(dash + 1) : [] };
}

/** The pytest plugin's folder: dist/ in the bundle and out/src/cli/ in development both sit
 * below the folder that holds python/. */
export function pluginDir(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "python", "orm_test_doctor", "plugin.py"))) return path.join(dir, "python");
  }
  throw new Error("the pytest plugin (python/orm_test_doctor) was not found next to the CLI");
}
