// Which frame is the user's own code: the cause tracer starts from there.
import { inSkippedDir } from "../skip";
import type { Frame } from "./model";

export interface UserFrameOptions {
  /** Files under this folder count as the user's (unless inside a virtualenv in it). */
  projectRoot?: string;
  /** Overrides the default test entirely. */
  isUserFile?: (file: string) => boolean;
}

// The standard library, generated code ("<string>") and the libraries whose frames are never the
// user's (our own pytest plugin's too); virtualenvs and installed packages are src/core/skip.ts's folders.
const LIBRARY_RE = /[\\/]lib[\\/]python\d*(?:\.\d+)?[\\/]|[\\/](?:sqlalchemy|factory|_pytest|pytest|pluggy|flask_sqlalchemy|xdist|faker|orm_test_doctor)[\\/]|^</;

function norm(p: string): string {
  return p.replace(/\\/g, "/").replace(/\/+$/, "");
}

export function isUserFile(file: string, opts: UserFrameOptions = {}): boolean {
  if (opts.isUserFile) return opts.isUserFile(file);
  if (file === "" || LIBRARY_RE.test(file)) return false;
  const f = norm(file);
  if (opts.projectRoot !== undefined) {
    const root = norm(opts.projectRoot);
    const absolute = f.startsWith("/") || /^[A-Za-z]:\//.test(f);
    if (absolute) {
      if (f !== root && !f.startsWith(root + "/")) return false;
      return !inSkippedDir(f.slice(root.length + 1)); // folders above the project do not count
    }
  }
  return !inSkippedDir(f);
}

/** The innermost frame in the user's code (frames are innermost last). */
export function findUserFrame(frames: readonly Frame[], opts: UserFrameOptions = {}): Frame | undefined {
  for (let i = frames.length - 1; i >= 0; i--) {
    const f = frames[i];
    if (f && isUserFile(f.file, opts)) return f;
  }
  return undefined;
}
