// Plain-text rendering of failures and their groups, shared by the CLI and the
// "Diagnose pytest output" command.
import * as path from "node:path";
import type { FailureGroup } from "./failures/group";
import type { DbFailure, Failure } from "./failures/model";

function where(f: Failure, root: string): string {
  const fr = f.userFrame;
  if (!fr) return "";
  const file = root && path.isAbsolute(fr.file) ? path.relative(root, fr.file) : fr.file;
  return ` at ${file}:${fr.line + 1}`;
}

/** "UNIQUE users(email) = 'alice@example.com' [users_email_key] (sqlite)". */
export function describeDb(db: DbFailure): string {
  const kind = db.kind === "pending-rollback" ? "session needs rollback" : db.kind.toUpperCase().replace("-", " ");
  const cols = db.columns.length ? `(${db.columns.join(", ")})` : "";
  const target = db.table || cols ? ` ${db.table ?? "?"}${cols}` : "";
  const values = db.values?.length ? ` = ${db.values.map((v) => `'${v}'`).join(", ")}` : "";
  const constraint = db.constraint ? ` [${db.constraint}]` : "";
  const dialect = db.dialect ? ` (${db.dialect}${db.driver ? `/${db.driver}` : ""})` : "";
  return `${kind}${target}${values}${constraint}${dialect}`;
}

function headline(f: Failure): string {
  if (f.db) return describeDb(f.db);
  const top = f.chain[0];
  return top ? `${top.type}: ${top.message.split("\n")[0] ?? ""}` : "failed";
}

/** One block per group: the cause, then its follow-on failures. */
export function formatGroups(groups: readonly FailureGroup[], root = ""): string[] {
  const lines: string[] = [];
  for (const g of groups) {
    if (g.cause) {
      lines.push(`✗ ${g.cause.nodeid} (${g.cause.phase})${where(g.cause, root)}`, `    ${headline(g.cause)}`);
    } else if (g.original) {
      lines.push(`✗ an earlier error that no failing test shows:`, `    ${describeDb(g.original)}`);
    }
    if (g.symptoms.length) {
      lines.push(`    → ${g.symptoms.length} later failure${g.symptoms.length > 1 ? "s" : ""} caused by it (PendingRollbackError):`);
      for (const s of g.symptoms) lines.push(`        ${s.nodeid}${where(s, root)}`);
    }
  }
  return lines;
}
