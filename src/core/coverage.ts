// Reads coverage.py's JSON report (`coverage json`) into per-file line sets for the Testing API.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export interface FileLines {
  file: string; // absolute
  executed: number[]; // 1-based, as coverage.py writes them
  missing: number[];
}

interface CoverageJson {
  files?: Record<string, { executed_lines?: unknown; missing_lines?: unknown }>;
}

const lineList = (v: unknown): number[] => (Array.isArray(v) ? v.filter((n): n is number => Number.isInteger(n)) : []);

/** Parses the report; paths in it are relative to `cwd` unless absolute. Bad input → []. */
export function parseCoverageJson(text: string, cwd: string): FileLines[] {
  let data: CoverageJson;
  try {
    data = JSON.parse(text) as CoverageJson;
  } catch {
    return [];
  }
  if (!data || typeof data !== "object" || !data.files || typeof data.files !== "object") return [];
  return Object.entries(data.files).map(([file, info]) => ({
    file: path.resolve(cwd, file),
    executed: lineList(info?.executed_lines),
    missing: lineList(info?.missing_lines),
  }));
}

/**
 * pytest-cov before 4.1 has no JSON report, so a Coverage run writes coverage.py's data file
 * (COVERAGE_FILE) and this turns it into JSON with the same interpreter: `coverage json`.
 * Resolves to the JSON text, or rejects with coverage.py's own message.
 */
export function exportCoverageJson(python: string, dataFile: string, cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  const out = path.join(path.dirname(dataFile), "coverage.json");
  return new Promise((resolve, reject) => {
    execFile(python, ["-m", "coverage", "json", `--data-file=${dataFile}`, "-o", out], { cwd, env, timeout: 120_000 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`coverage json failed: ${stderr.trim() || err.message}`));
      else fs.promises.readFile(out, "utf8").then(resolve, reject);
    });
  });
}
