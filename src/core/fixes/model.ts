// A fix as plain data: text edits against the files' current text (0-based line, UTF-16
// character, like an editor's), so the CLI, the tests and the editor apply the same thing.
import type { FixId } from "../causes/model";

export interface Position {
  line: number;
  character: number;
}

export interface TextEdit {
  file: string; // relative to the project root, "/"-separated
  range: { start: Position; end: Position };
  newText: string;
  title: string;
}

export interface Fix {
  id: FixId;
  title: string;
  /** Every edit of the fix, in any order; at most a few per file. */
  edits: TextEdit[];
}

/** What computing a fix may read: the project's files, and facts about the interpreter. */
export interface FixContext {
  /** A project file's current text (an editor's unsaved text wins), undefined when missing. */
  read(file: string): string | undefined;
  /** "1.4" / "2.0" (major.minor) from the interpreter; undefined when not known. */
  sqlalchemy?: string | undefined;
  /** The project's test modules (relative, "/"-separated), when known: with the conftest.py of
   * their folders, where fixtures that request a fixture a fix changes may be. */
  testModules?: () => readonly string[];
}
