import * as path from "node:path";
import type { PytestOptions } from "../../../src/core/runner";
import { fixturePath, pythonStacks, repoRoot, type PythonStack } from "../../util";

export const stacks = pythonStacks();

export function pluginDir(): string {
  return path.join(repoRoot(), "python");
}

export function options(stack: PythonStack, fixture: string, extra: Partial<PytestOptions> = {}): PytestOptions {
  return { python: stack.python, cwd: fixturePath("runner", fixture), pluginDir: pluginDir(), env: stack.env, ...extra };
}
