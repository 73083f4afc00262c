// The common subset of .gitignore: globs (*, ?, [..], **), negation, anchoring, dir-only.
// Not handled: escaped trailing spaces, and exotic character classes ([[:alpha:]]).

interface Rule {
  re: RegExp;
  negate: boolean;
  dirOnly: boolean;
  basename: boolean; // no slash in the pattern: matches the name at any depth
}

export class IgnoreRules {
  private readonly rules: Rule[] = [];

  /** `base` is the folder of the .gitignore, relative to the root ("" for the root). */
  constructor(readonly base: string, text: string) {
    for (const raw of text.split(/\r?\n/)) {
      const rule = compile(raw);
      if (rule) this.rules.push(rule);
    }
  }

  get empty(): boolean {
    return this.rules.length === 0;
  }

  /** undefined: no rule matched; true/false: ignored or re-included. `rel` is root-relative. */
  match(rel: string, isDir: boolean): boolean | undefined {
    let local = rel;
    if (this.base) {
      if (!rel.startsWith(this.base + "/")) return undefined;
      local = rel.slice(this.base.length + 1);
    }
    const name = local.slice(local.lastIndexOf("/") + 1);
    let result: boolean | undefined;
    for (const r of this.rules) {
      if (r.dirOnly && !isDir) continue;
      if (r.re.test(r.basename ? name : local)) result = !r.negate;
    }
    return result;
  }
}

function compile(raw: string): Rule | undefined {
  let p = raw.replace(/\s+$/, "");
  if (!p || p.startsWith("#")) return undefined;
  let negate = false;
  if (p.startsWith("!")) {
    negate = true;
    p = p.slice(1);
  } else if (p.startsWith("\\!") || p.startsWith("\\#")) p = p.slice(1);
  let dirOnly = false;
  if (p.endsWith("/")) {
    dirOnly = true;
    p = p.slice(0, -1);
  }
  if (!p) return undefined;
  const basename = !p.includes("/");
  if (p.startsWith("/")) p = p.slice(1);
  return { re: new RegExp(`^${globToRegex(p)}$`), negate, dirOnly, basename };
}

export function globToRegex(glob: string): string {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? "";
    if (c === "*") {
      if (glob[i + 1] === "*") {
        const atStart = i === 0 || glob[i - 1] === "/";
        const atEnd = i + 2 === glob.length || glob[i + 2] === "/";
        if (atStart && atEnd) {
          if (glob[i + 2] === "/") {
            out += "(?:.*/)?"; // "**/" : zero or more folders
            i += 2;
          } else {
            out += ".*"; // trailing "/**": everything inside
            i += 1;
          }
          continue;
        }
        i += 1; // "a**b" behaves like "a*b"
      }
      out += "[^/]*";
    } else if (c === "?") out += "[^/]";
    else if (c === "[") {
      const close = glob.indexOf("]", i + 2);
      if (close < 0) out += "\\[";
      else {
        let cls = glob.slice(i + 1, close);
        if (cls.startsWith("!")) cls = "^" + cls.slice(1);
        out += `[${cls.replace(/\\/g, "\\\\")}]`;
        i = close;
      }
    } else if (c === "\\" && i + 1 < glob.length) {
      out += escapeRe(glob[i + 1] ?? "");
      i += 1;
    } else out += escapeRe(c);
  }
  return out;
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** Applies every .gitignore from the root down to the path's folder; deeper files win. */
export function isIgnored(stack: IgnoreRules[], rel: string, isDir: boolean): boolean {
  let ignored = false;
  for (const rules of stack) {
    const m = rules.match(rel, isDir);
    if (m !== undefined) ignored = m;
  }
  return ignored;
}
