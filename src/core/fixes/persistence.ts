// persistence-flush: `sqlalchemy_session_persistence = "commit"` → "flush", where the factory (or
// the base factory it inherits the setting from) declares it. The quotes stay as written.
import type { Cause } from "../causes/model";
import type { Fix, FixContext } from "./model";
import { ancestors } from "./paths";
import { assignment, body, definition, named, type Node, stringParts, withTree } from "./syntax";
import { edit } from "./text";

type Found = { file: string; start: number; end: number; text: string } | "none";

export async function persistenceFlush(cause: Cause, ctx: FixContext): Promise<Fix | undefined> {
  const found = await declaration(ctx, cause.file, cause.symbol, cause.line - 1, 0);
  if (found === "none") return undefined;
  const title = `Flush instead of commit: sqlalchemy_session_persistence = "flush"`;
  return { id: "persistence-flush", title, edits: [edit(found.file, found.text, found.start, found.end, "flush", title)] };
}

/** The nearest declaration of the setting up the class chain; "none" when it is not "commit". */
async function declaration(ctx: FixContext, file: string, className: string, line0: number | undefined, depth: number): Promise<Found> {
  const text = ctx.read(file);
  if (text === undefined || depth > 8) return "none";
  const step = await withTree(text, (root): Found | { bases: string[] } => {
    const cls = definition(root, "class_definition", className, line0);
    if (!cls) return "none";
    const meta = body(cls).find((s) => s.type === "class_definition" && s.childForFieldName("name")?.text === "Meta");
    const a = meta && assignment(body(meta), "sqlalchemy_session_persistence");
    const value = a?.childForFieldName("right");
    if (value) {
      const parts = stringParts(value);
      if (parts?.content !== "commit") return "none";
      const start = value.startIndex + parts.prefix.length + parts.quote.length;
      return { file, start, end: start + "commit".length, text };
    }
    return { bases: named(cls.childForFieldName("superclasses")).map(baseName).filter((b): b is string => !!b) };
  });
  if (step === "none" || !("bases" in step)) return step;
  for (const base of step.bases) {
    const at = await locate(ctx, file, base);
    if (!at) continue;
    const found = await declaration(ctx, at.file, at.name, undefined, depth + 1);
    if (found !== "none") return found;
  }
  return "none";
}

function baseName(n: Node): string | undefined {
  if (n.type === "identifier") return n.text;
  if (n.type === "attribute") return n.text;
  return undefined;
}

/** Where a base class named in `file` lives: that file, or the module it is imported from. */
async function locate(ctx: FixContext, file: string, base: string): Promise<{ file: string; name: string } | undefined> {
  const text = ctx.read(file);
  if (text === undefined) return undefined;
  const [head = "", ...rest] = base.split(".");
  const name = rest.length ? rest[rest.length - 1] ?? "" : head;
  return withTree(text, (root) => {
    if (!rest.length && definition(root, "class_definition", head)) return { file, name };
    for (const st of named(root)) {
      if (st.type === "import_from_statement") {
        const module = st.childForFieldName("module_name")?.text ?? "";
        for (const n of st.childrenForFieldName("name")) {
          const local = n?.type === "aliased_import" ? n.childForFieldName("alias")?.text : n?.text;
          const real = n?.type === "aliased_import" ? n.childForFieldName("name")?.text : n?.text;
          if (local !== head || !real) continue;
          if (!rest.length) return moduleFile(ctx, file, module, real);
          const sep = module.endsWith(".") ? "" : ".";
          return moduleFile(ctx, file, [`${module}${sep}${real}`, ...rest.slice(0, -1)].join("."), name);
        }
      }
      if (st.type === "import_statement" && rest.length) {
        const module = [head, ...rest.slice(0, -1)].join(".");
        for (const n of st.childrenForFieldName("name")) if (n?.text === module) return moduleFile(ctx, file, module, name);
      }
    }
    return undefined;
  });
}

function moduleFile(ctx: FixContext, from: string, module: string, name: string): { file: string; name: string } | undefined {
  const dots = /^\.*/.exec(module)?.[0].length ?? 0;
  const parts = module.slice(dots).split(".").filter(Boolean);
  const bases = dots ? [from.split("/").slice(0, -dots).join("/")] : ["", ...ancestors(from)];
  for (const base of bases) {
    for (const tail of [`${parts.join("/")}.py`, `${parts.join("/")}/__init__.py`]) {
      const file = [base, tail].filter(Boolean).join("/");
      if (ctx.read(file) !== undefined) return { file, name };
    }
  }
  return undefined;
}
