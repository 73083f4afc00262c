// Project-relative, "/"-separated paths, as fixes name files.

/** The folders above a file, nearest first ("a/b/c.py" → "a/b", "a"). */
export function ancestors(file: string): string[] {
  const parts = file.split("/").slice(0, -1);
  const out: string[] = [];
  for (let i = parts.length; i > 0; i--) out.push(parts.slice(0, i).join("/"));
  return out;
}

/** The conftest.py files pytest uses for `file`, nearest first, `file` itself left out; none for a
 * path outside the project (absolute, or `../`). */
export function conftestsAbove(file: string): string[] {
  if (file.startsWith("/") || file.startsWith("../")) return [];
  return [...ancestors(file).map((d) => `${d}/conftest.py`), "conftest.py"].filter((c) => c !== file);
}
