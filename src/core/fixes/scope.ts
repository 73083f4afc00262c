// A fixture narrowed to function scope: pytest stops with ScopeMismatch when a fixture of a wider
// scope requests a function-scoped one, so every fixture that requests it, and every fixture that
// requests those, is narrowed with it.
import type { FixContext, TextEdit } from "./model";
import { ancestors, conftestsAbove } from "./paths";
import { decorators, isFixture, keyword, named, parameterNames, stringParts, type Node, walk, withTree } from "./syntax";
import { edit } from "./text";
import { pluginNames } from "../index/plugins";
import { topStatements } from "../index/top";

/** `@pytest.fixture(scope="session")` → the default scope; nothing when it is function already. */
export function scopeEdits(file: string, text: string, fn: Node): TextEdit[] {
  for (const d of decorators(fn)) {
    const call = d.namedChild(0);
    if (call?.type !== "call") continue;
    const scope = keyword(call, "scope");
    const value = scope?.childForFieldName("value")?.text.replace(/["']/g, "");
    if (!scope || !value || value === "function") continue;
    const list = call.childForFieldName("arguments") as Node;
    const args = named(list);
    if (args.length === 1) return [edit(file, text, list.startIndex, list.endIndex, "", "")]; // `@pytest.fixture`
    const i = args.findIndex((a) => a.equals(scope));
    const from = i > 0 ? (args[i - 1] as Node).endIndex : scope.startIndex;
    const to = i > 0 || i === args.length - 1 ? scope.endIndex : (args[i + 1] as Node).startIndex;
    return [edit(file, text, from, to, "", "")];
  }
  return [];
}

/** The name tests request a fixture by: `name=` wins over the function's name. */
export function fixtureName(fn: Node): string {
  for (const d of decorators(fn)) {
    const call = d.namedChild(0);
    const value = call?.type === "call" ? keyword(call, "name")?.childForFieldName("value") : undefined;
    const parts = value ? stringParts(value) : undefined;
    if (parts) return parts.content;
  }
  return fn.childForFieldName("name")?.text ?? "";
}

/**
 * The other fixtures that request `name` (the fixture at `file`:`row`, 0-based) with a scope wider
 * than function, and those that request them, each made function-scoped. Each is looked for where
 * the fixture it requests is seen (see candidateFiles): a fixture narrowed in a conftest.py above
 * is requested by fixtures in sibling folders the first one never reaches.
 */
export async function dependentScopeEdits(name: string, file: string, row: number, ctx: FixContext): Promise<{ edits: TextEdit[]; names: string[] }> {
  const layout = await projectLayout(ctx);
  const queue = [{ name, file }];
  const queued = new Set([`${file}\0${name}`]);
  const narrowed = new Set([`${file}:${row}`]);
  const edits: TextEdit[] = [];
  const names: string[] = [];
  for (let i = 0; i < queue.length; i++) {
    const wanted = queue[i]!;
    for (const f of candidateFiles(wanted.file, layout)) {
      const text = ctx.read(f);
      // a cheap look first: most files define no fixture with a scope, or request none of them
      if (text === undefined || !SCOPE_RE.test(text) || !text.includes(wanted.name)) continue;
      const found = await withTree(text, (root) => {
        const out: Array<{ name: string; row: number; edits: TextEdit[] }> = [];
        for (const n of walk(root)) {
          if (n.type !== "function_definition" || !isFixture(n) || narrowed.has(`${f}:${n.startPosition.row}`)) continue;
          if (!parameterNames(n, "fixtures").includes(wanted.name)) continue;
          const e = scopeEdits(f, text, n);
          if (e.length) out.push({ name: fixtureName(n), row: n.startPosition.row, edits: e });
        }
        return out;
      });
      for (const d of found) {
        narrowed.add(`${f}:${d.row}`);
        edits.push(...d.edits);
        if (!names.includes(d.name)) names.push(d.name);
        if (!queued.has(`${f}\0${d.name}`)) {
          queued.add(`${f}\0${d.name}`);
          queue.push({ name: d.name, file: f });
        }
      }
    }
  }
  return { edits, names };
}

const SCOPE_RE = /\bscope\s*=/;

interface Layout {
  modules: readonly string[]; // the test modules
  folders: Set<string>; // the folders that hold them, and those above
  plugins: string[]; // the pytest_plugins modules
}

async function projectLayout(ctx: FixContext): Promise<Layout> {
  const modules = ctx.testModules?.() ?? [];
  const folders = new Set(modules.flatMap(ancestors));
  const plugins = await pluginModules(["conftest.py", ...[...folders].map((d) => `${d}/conftest.py`)], ctx);
  return { modules, folders, plugins };
}

/** The files whose fixtures can request the one in `file`: a test module's fixture is requested
 * for its own tests, by its fixtures and those of the conftest.py files above;
 * a conftest.py's is seen from its folder down (the conftest.py files and test modules there), and
 * by the fixtures of the conftest.py files above, for those tests;
 * a pytest_plugins module's is seen everywhere. Fixtures of pytest_plugins modules, which are seen
 * everywhere, may request a conftest.py's too. */
function candidateFiles(file: string, layout: Layout): string[] {
  const isPlugin = layout.plugins.includes(file);
  // a test module's fixture is seen by its own tests: the fixtures of the conftest.py files above
  // and of the pytest_plugins modules request it for them
  if (!isPlugin && file !== "conftest.py" && !file.endsWith("/conftest.py")) return [...new Set([file, ...conftestsAbove(file), ...layout.plugins])];
  const dir = isPlugin ? "" : file.slice(0, Math.max(file.lastIndexOf("/"), 0));
  const below = (d: string): boolean => dir === "" || d === dir || d.startsWith(`${dir}/`);
  const modules = layout.modules.filter((m) => below(m.slice(0, Math.max(m.lastIndexOf("/"), 0))));
  const conftests = [...layout.folders].filter(below).map((d) => `${d}/conftest.py`);
  if (dir === "") conftests.unshift("conftest.py");
  // a conftest.py above sees it too: for the tests below, its fixtures get this one by the name
  const above = isPlugin ? [] : conftestsAbove(file);
  return [...new Set([file, ...conftests, ...above, ...modules, ...layout.plugins])];
}

/** The modules `files` load with pytest_plugins (index/plugins.ts says which forms are read), and
 * those they load in turn, as project files: a dotted name is looked for beside the file that
 * names it and in each folder above (where pytest's default import mode puts a conftest.py's
 * folder on sys.path); names found nowhere (installed packages) are left out. Read from the files'
 * current text, as the fix's edits are (the project index may not have an editor's unsaved text). */
export async function pluginModules(files: readonly string[], ctx: FixContext): Promise<string[]> {
  const out: string[] = [];
  const queue = [...new Set(files)];
  for (let i = 0; i < queue.length; i++) {
    const f = queue[i]!;
    const text = ctx.read(f);
    if (text === undefined || !text.includes("pytest_plugins")) continue;
    const names = await withTree(text, (root) => pluginNames(topStatements(root)));
    for (const name of names) {
      const rel = name.replace(/\./g, "/");
      const at = (d: string): string[] => [`${d ? `${d}/` : ""}${rel}.py`, `${d ? `${d}/` : ""}${rel}/__init__.py`];
      const hit = [...ancestors(f), ""].flatMap(at).find((c) => ctx.read(c) !== undefined);
      if (hit !== undefined && !queue.includes(hit)) {
        queue.push(hit);
        out.push(hit);
      }
    }
  }
  return out;
}
