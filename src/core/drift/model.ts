// What the static "factories vs models" check reports. A finding has the shape of a Cause
// (kind, file relative and "/"-separated, 1-based line, symbol, evidence, fix ids, rank) and
// carries the data of its fix; fixes.ts turns that into a text edit against the file's text.

export type DriftKind = "unknown-model-field" | "missing-required-field" | "unknown-enum-member" | "dangling-foreign-key";

export type DriftFixId = "rename-model-field" | "add-required-field" | "replace-enum-member";

/** What to change, by name; fixes.ts finds the exact range in the current text. */
export type DriftEdit =
  // rename a factory declaration or a keyword argument found on lines [line, end] (0-based)
  | { op: "rename"; file: string; line: number; end: number; from: string; to: string }
  // declare `name = <value>` in the factory class spanning [line, end] (0-based)
  | { op: "declare"; file: string; line: number; end: number; name: string; value: string }
  // `Enum.FROM` → `Enum.TO` on lines [line, end]
  | { op: "member"; file: string; line: number; end: number; enumName: string; from: string; to: string };

/** What a finding is about, by name: how a runtime failure is matched to it (fromFailure.ts). */
export interface DriftSubject {
  model?: string; // class name of the model
  name?: string; // the keyword or declaration the model does not take
  table?: string; // a required column: its table and database name
  column?: string;
  enumName?: string; // an enum member that does not exist
  member?: string;
}

export interface Finding {
  kind: DriftKind;
  file: string;
  line: number; // 1-based
  symbol: string; // factory class name, or the test node id / function that calls the model
  evidence: string;
  fixes: DriftFixId[];
  rank: number;
  edit?: DriftEdit;
  subject: DriftSubject;
}
