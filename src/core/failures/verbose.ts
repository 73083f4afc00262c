// Nodeids from pytest -v progress lines, read by hand rather than with one regex: a lazy
// pattern over the whole line went quadratic on long lines with many "::" or spaces.

const PERCENT_RE = /^\[ *\d+%\]$/;
const XDIST_PERCENT_RE = /^\[ *\d+%\] /;

function trimSpaces(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 32) end--;
  return s.slice(0, end);
}

/** A nodeid as pytest -v prints it: "t.py::test_a", not across line breaks. */
function plausibleNodeid(s: string, mustHaveNonBlankAfterColons: boolean): boolean {
  if (!/^\S/.test(s) || /[\r\u2028\u2029]/.test(s)) return false;
  return (mustHaveNonBlankAfterColons ? /::\S/ : /::/).test(s.slice(1));
}

/** The nodeid of a -v progress line ("t.py::test_a FAILED  [ 50%]") or an xdist one
 *  ("[ 50%] FAILED t.py::test_a", its worker id already removed). */
export function verboseNodeid(line: string): string | undefined {
  let s = trimSpaces(line);
  if (s.endsWith("%]")) {
    const open = s.lastIndexOf("[");
    if (open > 0 && PERCENT_RE.test(s.slice(open)) && s.charCodeAt(open - 1) === 32) s = trimSpaces(s.slice(0, open));
  }
  for (const status of [" FAILED", " ERROR"]) {
    if (!s.endsWith(status)) continue;
    const nodeid = s.slice(0, -status.length);
    if (plausibleNodeid(nodeid, true)) return nodeid;
  }
  const rest = line.replace(XDIST_PERCENT_RE, "");
  for (const status of ["FAILED ", "ERROR "]) {
    if (!rest.startsWith(status)) continue;
    const nodeid = trimSpaces(rest.slice(status.length));
    if (plausibleNodeid(nodeid, false)) return nodeid;
  }
  return undefined;
}
