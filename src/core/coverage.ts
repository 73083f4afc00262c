// Reads coverage.py's JSON report (`coverage json`) into per-file line sets for the Testing API.
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
