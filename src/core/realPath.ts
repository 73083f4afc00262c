import * as fs from "node:fs";
import * as path from "node:path";

/** `p` with its symlinks resolved; `p` itself when it cannot be (missing). */
export function realPath(p: string): string {
  try {
    return fs.realpathSync.native(p);
  } catch {
    return path.resolve(p);
  }
}
