// `orm-test-doctor check [PATH] [--json]`: the static "factories vs models" check. Indexes the
// folder (no Python run) and lists every finding. Exit 0 none, 1 findings, 2 usage/environment.
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { check, type Finding } from "../core/drift";
import { indexWorkspace } from "../core/index";
import { UsageError } from "./diagnose";

export interface CheckDocument {
  version: 1;
  root: string;
  findings: Finding[];
}

export function parseCheckArgs(argv: readonly string[]): { target: string; json: boolean } {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options: { json: { type: "boolean" } }, allowPositionals: true, strict: true });
    if (positionals.length > 1) throw new UsageError(`one PATH at most, got: ${positionals.join(" ")}`);
    return { target: positionals[0] ?? ".", json: values.json === true };
  } catch (err) {
    throw err instanceof UsageError ? err : new UsageError(err instanceof Error ? err.message : String(err));
  }
}

export function formatFindings(findings: readonly Finding[]): string[] {
  const lines: string[] = [];
  for (const f of findings) lines.push(`${f.file}:${f.line}  ${f.kind}  ${f.symbol}`, `    ${f.evidence}`);
  lines.push(findings.length === 0 ? "No drift between factories and models." : `${findings.length} finding${findings.length === 1 ? "" : "s"}.`);
  return lines;
}

export async function checkCommand(argv: readonly string[]): Promise<number> {
  const opts = parseCheckArgs(argv);
  if (!fs.statSync(opts.target, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`not a folder: ${opts.target}`);
  const root = path.resolve(opts.target);
  const index = await indexWorkspace(root);
  const findings = check(index);
  const doc: CheckDocument = { version: 1, root, findings };
  process.stdout.write((opts.json ? JSON.stringify(doc, null, 2) : formatFindings(findings).join("\n")) + "\n");
  return findings.length > 0 ? 1 : 0;
}
