// reset-shared-session: a session created at import time (`Session = scoped_session(...)` in the
// app) lives for the whole run, so what one test flushed is still pending in the next. An autouse
// fixture in the root conftest.py ends each test by removing (scoped) or rolling back (plain) it.
import type { Cause } from "../causes/model";
import type { Fix, FixContext, TextEdit } from "./model";
import { bindsName, imported, importPoint, named, type Node, walk, withTree } from "./syntax";
import { edit, indentUnit } from "./text";

const CONFTEST = "conftest.py";
const FIXTURE = "_reset_shared_session";

export async function resetSharedSession(cause: Cause, ctx: FixContext): Promise<Fix | undefined> {
  const dot = cause.symbol.lastIndexOf(".");
  const source = ctx.read(cause.file);
  const conftest = ctx.read(CONFTEST);
  if (dot <= 0 || source === undefined || conftest === undefined) return undefined;
  const module = cause.symbol.slice(0, dot);
  const name = cause.symbol.slice(dot + 1);
  const scoped = await withTree(source, (root) => {
    const assign = [...walk(root)].find((n) => n.type === "assignment" && n.startPosition.row === cause.line - 1 && n.childForFieldName("left")?.text === name);
    const fn = assign?.childForFieldName("right")?.childForFieldName("function")?.text;
    return fn === undefined ? undefined : /(^|\.)scoped_session$/.test(fn);
  });
  if (scoped === undefined) return undefined;
  return withTree(conftest, (root) => {
    if ([...walk(root)].some((n) => n.type === "function_definition" && n.childForFieldName("name")?.text === FIXTURE)) return undefined;
    const title = `Reset ${cause.symbol} after every test: an autouse fixture in ${CONFTEST}`;
    const edits: TextEdit[] = [];
    const hasPytest = named(root).some((st) => st.type === "import_statement" && st.childrenForFieldName("name").some((n) => n?.text === "pytest"));
    if (!hasPytest) {
      const at = importPoint(root, conftest);
      edits.push(edit(CONFTEST, conftest, at, at, "import pytest\n", title));
    }
    const session = sessionRef(root, conftest, module, name, cause.file === CONFTEST);
    if (session.edit) edits.push({ ...session.edit, title });
    const i = indentUnit(conftest);
    const end = scoped ? `${session.ref}.remove()  # closes it: rolls back what the test left` : `${session.ref}.rollback()`;
    // two blank lines before the fixture, whatever the file ends with
    const trailing = conftest.length - conftest.replace(/\n+$/, "").length;
    const gap = conftest.length === 0 ? "" : "\n".repeat(Math.max(0, 3 - trailing));
    const fixture = `${gap}@pytest.fixture(autouse=True)\ndef ${FIXTURE}():\n${i}# ${cause.symbol} lives for the whole run; nothing a test flushed may reach the next\n${i}yield\n${i}${end}\n`;
    edits.push(edit(CONFTEST, conftest, conftest.length, conftest.length, fixture, title));
    return { id: "reset-shared-session" as const, title, edits };
  });
}

/** How conftest.py names the session: itself when it defines it; `from <module> import <name>`
 * unless conftest already binds that name to something else, then `import <module>`. */
function sessionRef(root: Node, conftest: string, module: string, name: string, own: boolean): { ref: string; edit?: TextEdit } {
  if (own) return { ref: name };
  // imported() already answers a present `import <module>` without an edit
  const viaFrom = imported(root, conftest, CONFTEST, module, name);
  if (!viaFrom.edit || !bindsName(root, name)) return viaFrom;
  const at = importPoint(root, conftest);
  return { ref: `${module}.${name}`, edit: edit(CONFTEST, conftest, at, at, `import ${module}\n`, `import ${module}`) };
}
