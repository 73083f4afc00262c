// The runner's public surface: pure Node, no `vscode` import.
//
// How the VS Code adapter uses it:
//   const py = await findInterpreter([configured, "python3", "python"], { env, cwd });  // RunnerError on failure
//   const opts: PytestOptions = { python: py.path, cwd, pluginDir: context.asAbsolutePath("python"),
//                                 args: settings.pytestArgs, env: settings.env, signal };
//   const found = await discover(opts);           // found.tree (roots, get(id)) / items / errors / exit.problem
//   const res = await run(opts, nodeids, (e) => { // events as they arrive:
//     // e.type "message": started / report / finished (… per src/core/protocol.ts)
//     // e.type "output": raw pytest stdout/stderr text for run.appendOutput (convert "\n" → "\r\n")
//     // e.type "protocol_error": a bad line from the plugin (log it; the run goes on)
//     // e.type "exit": always last; exit.problem set when pytest did not end normally
//   });
// Cancel with an AbortController's signal: the process group is SIGTERMed, then SIGKILLed
// after killGraceMs (default 1000); the messages received so far stay in the result.
export { findInterpreter, type Interpreter } from "./interpreter";
export { discover, type DiscoverResult, type Collected, type CollectError } from "./discover";
export { run, type RunResult, type Finished } from "./run";
export { runPytestProcess, pytestEnv, type PytestOptions, type ExitInfo, type RunnerEvent } from "./pytestProcess";
export { RunnerError, type Problem, type ProblemKind } from "./problems";
export { parseMessage, LineSplitter, type ProtocolError } from "./lines";
export { killTree, descendants } from "./processTree";
