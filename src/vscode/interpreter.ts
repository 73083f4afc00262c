// Which Python runs pytest: the Python extension's active environment when it is installed,
// else the ormTestDoctor.python setting, else python3 / python from PATH.
import { PythonExtension } from "@vscode/python-extension";
import * as vscode from "vscode";
import type { FolderConfig } from "./config";

const PYTHON_EXTENSION_ID = "ms-python.python";

async function fromPythonExtension(folder: vscode.WorkspaceFolder, log: vscode.LogOutputChannel): Promise<string | undefined> {
  if (!vscode.extensions.getExtension(PYTHON_EXTENSION_ID)) return undefined;
  try {
    const api = await PythonExtension.api();
    const env = await api.environments.resolveEnvironment(api.environments.getActiveEnvironmentPath(folder.uri));
    return env?.executable.uri?.fsPath;
  } catch (err) {
    log.warn(`Python extension did not give an interpreter: ${String(err)}`);
    return undefined;
  }
}

/** Interpreters to try, in order; the runner takes the first that starts. */
export async function interpreterCandidates(folder: vscode.WorkspaceFolder, config: FolderConfig, log: vscode.LogOutputChannel): Promise<string[]> {
  const fromExt = await fromPythonExtension(folder, log);
  if (fromExt) return [fromExt];
  if (config.python) return [config.python];
  return ["python3", "python"];
}
