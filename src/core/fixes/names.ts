// Python names as scopes see them: which names an assignment binds, and whether a function reads
// a module-level name (for fixes that must know whether a fixture uses the module's engine).
import { named, parameterNames, type Node } from "./syntax";

/** The names an assignment gives the value `value`: `a = v`, `a = b = v`, and in a tuple
 * assignment (`a, b = v, w`, `[a, b] = (v, w)`, `a, b = c, d = v, w`) the one in its place, up to
 * a starred target. Names and dotted names (`db.engine`); in a class body at module level, the
 * class's attribute (`Config.engine`). */
export function assignedNames(value: Node): string[] {
  const out: string[] = [];
  let n = value;
  let index = -1;
  if ((n.parent?.type === "expression_list" || n.parent?.type === "tuple") && n.parent.parent?.type === "assignment") {
    index = named(n.parent).findIndex((c) => c.equals(n));
    n = n.parent;
  }
  for (let p = n.parent; p?.type === "assignment" && p.childForFieldName("right")?.equals(n); n = p, p = p.parent) {
    const left = p.childForFieldName("left");
    let target: Node | undefined;
    if (index < 0) target = left ?? undefined;
    else if (left && TUPLE_TARGETS.has(left.type)) {
      const items = named(left);
      // past a starred target the places no longer line up
      if (!items.slice(0, index + 1).some((c) => c.type === "list_splat_pattern")) target = items[index];
    }
    if (target?.type === "identifier" || target?.type === "attribute") out.push(classPrefix(p) + target.text);
  }
  return out;
}

const TUPLE_TARGETS = new Set(["pattern_list", "tuple_pattern", "list_pattern"]);

/** "Config." for an assignment directly in the body of a module-level class `Config`. */
function classPrefix(assignment: Node): string {
  const block = assignment.parent?.parent;
  const cls = block?.type === "block" ? block.parent : null;
  if (cls?.type !== "class_definition") return "";
  const top = cls.parent?.type === "decorated_definition" ? cls.parent : cls;
  return top.parent?.type === "module" ? `${cls.childForFieldName("name")?.text ?? ""}.` : "";
}

/** Whether `fn` reads the module-level `name` (`engine`, or a dotted `db.engine`): a load of it in
 * its code or its parameters' defaults, in the function's own scope or a nested one that does not
 * bind it again; not an attribute of something else (`app.engine`), a keyword's name, nor a name
 * the function binds itself (a parameter, a local, an import) unless it declares it global. */
export function readsModuleName(fn: Node, name: string): boolean {
  const head = name.split(".")[0] ?? name;
  if (defaultsLoad(fn, name, head)) return true;
  const code = fn.childForFieldName("body");
  return !!code && !bindsLocally(fn, head) && loads(code, name, head);
}

const SCOPES = new Set(["function_definition", "lambda", "class_definition", "list_comprehension", "set_comprehension", "dictionary_comprehension", "generator_expression"]);
const BINDERS = new Set(["assignment", "augmented_assignment", "for_statement", "for_in_clause"]);

/** A load of `name` under `n`, nested scopes that bind `head` left out. */
function loads(n: Node, name: string, head: string): boolean {
  if (n.text === name && (n.type === "identifier" || n.type === "attribute" || n.type === "dotted_name")) {
    const p = n.parent;
    const skip =
      (n.type === "dotted_name" && !loadedInPattern(n)) ||
      (p?.type === "dotted_name" && !(loadedInPattern(p) && p.namedChild(0)?.equals(n))) ||
      (p?.type === "keyword_pattern" && p.namedChild(0)?.equals(n)) ||
      (p?.type === "attribute" && p.childForFieldName("attribute")?.equals(n)) ||
      (p?.type === "keyword_argument" && p.childForFieldName("name")?.equals(n)) ||
      ((p?.type === "function_definition" || p?.type === "class_definition") && p.childForFieldName("name")?.equals(n)) ||
      p?.type === "global_statement" ||
      p?.type === "nonlocal_statement";
    if (!skip) return true;
  }
  for (const c of named(n)) {
    // a nested def's or lambda's parameter defaults belong to this scope; its body to its own
    if (SCOPES.has(c.type) && bindsLocally(c, head)) {
      if ((c.type === "function_definition" || c.type === "lambda") && defaultsLoad(c, name, head)) return true;
      continue;
    }
    if (loads(c, name, head)) return true;
  }
  return false;
}

/** Whether a dotted name in a `case` pattern is evaluated: a value pattern (`settings.engine`, its
 * head loaded) or a class pattern's class; not a capture (`case engine:`) nor an import's name. */
function loadedInPattern(d: Node): boolean {
  const p = d.parent?.type;
  return p === "class_pattern" || ((p === "case_pattern" || p === "keyword_pattern") && d.namedChildCount > 1);
}

/** Whether a parameter default of `fn` loads `name`: defaults are evaluated where the def is. */
function defaultsLoad(fn: Node, name: string, head: string): boolean {
  return named(fn.childForFieldName("parameters")).some((p) => {
    const value = p.childForFieldName("value");
    return !!value && loads(value, name, head);
  });
}

/** Whether the scope `scope` (a def, lambda, class or comprehension) binds `name` itself: a
 * parameter, an assignment or loop target, an import, a nested def or class of that name; and
 * no `global name` in it. Nested scopes are not looked into. */
function bindsLocally(scope: Node, name: string): boolean {
  if (scope.type === "function_definition" || scope.type === "lambda") {
    if (parameterNames(scope).includes(name)) return true;
  }
  let bound = false;
  let global = false;
  const visit = (n: Node): void => {
    for (const c of named(n)) {
      if (c.type === "global_statement" || c.type === "nonlocal_statement") {
        if (named(c).some((g) => g.text === name)) global = true;
        continue;
      }
      if ((c.type === "function_definition" || c.type === "class_definition") && c.childForFieldName("name")?.text === name) bound = true;
      if (c.type === "import_from_statement" || c.type === "import_statement") {
        for (const i of c.childrenForFieldName("name")) {
          const local = i?.type === "aliased_import" ? i.childForFieldName("alias")?.text : i?.text.split(".")[0];
          if (local === name) bound = true;
        }
      }
      const target = c.type === "named_expression" ? c.childForFieldName("name") : BINDERS.has(c.type) ? c.childForFieldName("left") : undefined;
      if (target && boundIdentifiers(target).includes(name)) bound = true;
      if (patternNames(c).includes(name)) bound = true;
      // a comprehension's own loop variables are its own; a nested def's or class's body too
      if (!SCOPES.has(c.type) || c.equals(scope)) visit(c);
    }
  };
  visit(scope.type === "lambda" || scope.type === "function_definition" || scope.type === "class_definition" ? (scope.childForFieldName("body") ?? scope) : scope);
  return bound && !global;
}

/** The names an `as` or a `case` pattern node binds: `with x as engine`, `except E as engine`,
 * `case engine:`, `[*engine]`, `Point(x=engine)`, `{"k": engine}`, `{**engine}`, `case X() as
 * engine`; not a value pattern (`Color.RED`) nor a class's name. */
function patternNames(n: Node): string[] {
  if (n.type === "as_pattern") {
    // with/except name the target `alias`; a case's `as` has it last, unnamed
    const alias = n.childForFieldName("alias") ?? (n.parent?.type === "case_pattern" ? n.namedChild(n.namedChildCount - 1) : null);
    return alias ? boundIdentifiers(alias) : [];
  }
  const parent = n.parent?.type;
  if (n.type === "dotted_name" && (parent === "case_pattern" || parent === "keyword_pattern") && n.namedChildCount === 1) return [n.text];
  if (n.type === "splat_pattern") return named(n).map((c) => c.text);
  return [];
}

/** The plain names a binding target binds: `a`, `a, b`, `(a, [b, *c])`; not `x.a` or `x[0]`. */
function boundIdentifiers(target: Node): string[] {
  if (target.type === "identifier") return [target.text];
  if (/pattern|list_splat/.test(target.type) || target.type === "tuple" || target.type === "list" || target.type === "parenthesized_expression") return named(target).flatMap(boundIdentifiers);
  return [];
}
