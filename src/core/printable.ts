// Text from tests (node ids, messages) printed to a terminal: control characters, ESC included,
// are shown escaped so a test name cannot move the cursor, recolour or clear the screen.

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export function printable(text: string, keepNewlines = true): string {
  const escaped = text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
  return keepNewlines ? escaped : escaped.replace(/\n/g, "\\n").replace(/\t/g, "\\t");
}

/** pytest's exit statuses, in words. */
export const PYTEST_EXIT: Readonly<Record<number, string>> = {
  0: "all tests passed",
  1: "some tests failed",
  2: "the run was interrupted (collection errors, or stopped by the user)",
  3: "pytest had an internal error",
  4: "pytest rejected the command line or configuration",
  5: "no tests were collected",
};
