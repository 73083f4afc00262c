// A module's top-level statements as Python runs them at import: the bodies of top-level
// if/try/with blocks included (conditional imports, defs, pytest_plugins).
import type { Node } from "web-tree-sitter";
import { kids } from "./value";

/** Top-level statements, looking through if/try/with blocks (conditional imports, defs). */
export function topStatements(root: Node): Node[] {
  const out: Node[] = [];
  const visit = (block: Node, depth: number): void => {
    for (const st of kids(block)) {
      if (depth < 4 && (st.type === "if_statement" || st.type === "try_statement" || st.type === "with_statement")) {
        for (const part of kids(st)) {
          if (part.type === "block") visit(part, depth + 1);
          else for (const b of kids(part)) if (b.type === "block") visit(b, depth + 1);
        }
      } else out.push(st);
    }
  };
  visit(root, 0);
  return out;
}
