import * as vscode from "vscode";
import type { FileLines } from "../core/coverage";

/** FileCoverage that keeps its line sets, so detailed coverage needs no second read. */
export class FileLinesCoverage extends vscode.FileCoverage {
  constructor(readonly lines: FileLines) {
    super(vscode.Uri.file(lines.file), new vscode.TestCoverageCount(lines.executed.length, lines.executed.length + lines.missing.length));
  }

  details(): vscode.StatementCoverage[] {
    const at = (n: number, hit: boolean) => new vscode.StatementCoverage(hit, new vscode.Position(n - 1, 0));
    return [...this.lines.executed.map((n) => at(n, true)), ...this.lines.missing.map((n) => at(n, false))];
  }
}
