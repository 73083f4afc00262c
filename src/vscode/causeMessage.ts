// A failing test's message opens with its first cause: kind, where (a link that opens the file
// at the line), the evidence and the fix; the other causes follow, then the error itself.
import * as path from "node:path";
import * as vscode from "vscode";
import { FIX_HINTS } from "../core/causes/format";
import type { Diagnosis } from "../core/causes";
import type { FailureMessage } from "../core/testResult";

function link(rootdir: string, file: string, line: number): string {
  const uri = vscode.Uri.file(path.resolve(rootdir, file)).with({ fragment: `L${line}` });
  return `[${file}:${line}](${uri.toString()})`;
}

const esc = (s: string) => s.replace(/[\\`*_{}[\]<>#|@]/g, (c) => `\\${c}`); // @: no mailto links in evidence

export function causeMessage(d: Diagnosis, error: FailureMessage | undefined, rootdir: string): vscode.TestMessage | undefined {
  const [first, ...others] = d.causes;
  if (!first) return undefined;
  const md = new vscode.MarkdownString();
  md.appendMarkdown(`**Cause: ${first.kind}** at ${link(rootdir, first.file, first.line)} — ${esc(first.symbol)}\n\n`);
  md.appendMarkdown(`${esc(first.evidence)}\n\n`);
  for (const fix of first.fixes) md.appendMarkdown(`*Fix:* ${esc(FIX_HINTS[fix])}\n\n`);
  if (d.rootOf && d.rootOf !== d.nodeid) md.appendMarkdown(`Follow-on of an error in ${esc(d.rootOf)}.\n\n`);
  for (const c of others) md.appendMarkdown(`*Also:* ${c.kind} at ${link(rootdir, c.file, c.line)} — ${esc(c.evidence)}\n\n`);
  if (error) md.appendCodeblock(error.text, "text");
  const msg = new vscode.TestMessage(md);
  if (error?.location) msg.location = new vscode.Location(vscode.Uri.file(error.location.file), new vscode.Position(error.location.line, 0));
  if (error?.stack.length) msg.stackTrace = error.stack.map((f) => new vscode.TestMessageStackFrame(f.function, vscode.Uri.file(f.file), new vscode.Position(f.line, 0)));
  return msg;
}
