// Which Python runs pytest: the ormTestDoctor.python setting when set, else the Python
// extension's active environment for the folder (followed when the user switches it), else
// python3 / python from PATH.
import { PythonExtension } from "@vscode/python-extension";
import * as vscode from "vscode";
import type { FolderConfig } from "./config";
import type { Log } from "./log";

const PYTHON_EXTENSION_ID = "ms-python.python";

async function pythonApi(): Promise<PythonExtension | undefined> {
  if (!vscode.extensions.getExtension(PYTHON_EXTENSION_ID)) return undefined;
  return PythonExtension.api();
}

async function fromPythonExtension(folder: vscode.WorkspaceFolder, log: Log): Promise<string | undefined> {
  try {
    const api = await pythonApi();
    if (!api) return undefined;
    const env = await api.environments.resolveEnvironment(api.environments.getActiveEnvironmentPath(folder.uri));
    return env?.executable.uri?.fsPath;
  } catch (err) {
    log.warn(`Python extension did not give an interpreter: ${String(err)}`);
    return undefined;
  }
}

/** Interpreters to try, in order; the runner takes the first that starts. */
export async function interpreterCandidates(folder: vscode.WorkspaceFolder, config: FolderConfig, log: Log): Promise<string[]> {
  if (config.python) return [config.python];
  const fromExt = await fromPythonExtension(folder, log);
  if (fromExt) return [fromExt];
  return ["python3", "python"];
}

/** Calls `onChange` with the folder (undefined: every folder) whose active environment the user
 * switched in the Python extension. Also starts listening when that extension turns up later. */
export function onDidChangePythonEnvironment(onChange: (folder: vscode.Uri | undefined) => void, log: Log): vscode.Disposable {
  let sub: vscode.Disposable | undefined;
  let disposed = false;
  const attach = (): void => {
    if (sub || disposed) return;
    void pythonApi().then(
      (api) => {
        if (!api || sub || disposed) return;
        sub = api.environments.onDidChangeActiveEnvironmentPath((e) => {
          const uri = e.resource && "uri" in e.resource ? e.resource.uri : (e.resource as vscode.Uri | undefined);
          log.info(`Python extension: active environment ${e.path}${uri ? ` for ${uri.fsPath}` : ""}`);
          onChange(uri);
        });
      },
      (err: unknown) => log.warn(`Python extension API unavailable: ${String(err)}`),
    );
  };
  attach();
  const ext = vscode.extensions.onDidChange(attach);
  return {
    dispose: () => {
      disposed = true;
      ext.dispose();
      sub?.dispose();
    },
  };
}
