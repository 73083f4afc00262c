// The baseline polluter search, as asottile/detect-test-pollution does it (`--failing-test VICTIM
// --tests tests`), reimplemented here: every step is a fresh `python -m pytest -p <plugin>
// -p no:randomly --quiet --quiet TESTPATH` whose plugin reorders the collected items to a testids
// file (the candidates, then the victim) and writes the call-phase outcomes to a JSON file.
//   1. discover: --collect-only, testids written out
//   2. the victim must pass alone
//   3. it must fail after all the other tests (the candidates: every discovered test but it)
//   4. bisect: run the first half of the candidates + the victim; passed → the polluter is in
//      the second half, else the first; until one candidate is left
//   5. double-check that candidate + victim fails
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { mergeEnv, PYTHON, runProcess } from "./proc";

const PLUGIN = "otd_bisect";
const PLUGIN_PY = `# The hooks bench/bisect.ts adds to each pytest run (the detect-test-pollution protocol).
import json


def pytest_addoption(parser):
    parser.addoption("--otd-testids-in")
    parser.addoption("--otd-testids-out")
    parser.addoption("--otd-results-out")


def pytest_collection_modifyitems(config, items):
    src = config.getoption("--otd-testids-in")
    dst = config.getoption("--otd-testids-out")
    if src is not None:
        by_id = {item.nodeid: item for item in items}
        with open(src) as f:
            items[:] = [by_id[t] for t in f.read().splitlines() if t]
    elif dst is not None:
        with open(dst, "w") as f:
            f.writelines(item.nodeid + "\\n" for item in items)


class _Results:
    def __init__(self, path):
        self.path = path
        self.passed = {}

    def pytest_runtest_logreport(self, report):
        if report.when == "call":
            self.passed[report.nodeid] = report.outcome == "passed"

    def pytest_terminal_summary(self):
        with open(self.path, "w") as f:
            json.dump(self.passed, f)


def pytest_configure(config):
    path = config.getoption("--otd-results-out")
    if path is not None:
        config.pluginmanager.register(_Results(path), "otd-bisect-results")
`;

export interface BisectResult {
  polluter: string | undefined;
  /** pytest processes started, discovery included */
  runs: number;
  ms: number;
  cpuMs: number;
  log: string[];
}

export class Bisector {
  private readonly work = fs.mkdtempSync(path.join(os.tmpdir(), "otd-bisect-"));
  private readonly env: Record<string, string>;
  private readonly result: BisectResult = { polluter: undefined, runs: 0, ms: 0, cpuMs: 0, log: [] };

  /** stackEnv: the Python stack's variables (PYTHONPATH for the modern one). */
  constructor(private readonly cwd: string, stackEnv: Readonly<Record<string, string | undefined>>, private readonly testpath = "tests") {
    fs.writeFileSync(path.join(this.work, `${PLUGIN}.py`), PLUGIN_PY);
    const pp = stackEnv["PYTHONPATH"];
    this.env = mergeEnv({ ...stackEnv, PYTHONPATH: pp ? this.work + path.delimiter + pp : this.work });
  }

  private async pytest(args: string[]): Promise<void> {
    const r = await runProcess(PYTHON, ["-m", "pytest", "-p", PLUGIN, "-p", "no:randomly", "--quiet", "--quiet", this.testpath, ...args], { cwd: this.cwd, env: this.env });
    this.result.runs++;
    this.result.ms += r.ms;
    this.result.cpuMs += r.cpuMs;
  }

  private async discover(): Promise<string[]> {
    const out = path.join(this.work, "discovered.txt");
    await this.pytest([`--otd-testids-out=${out}`, "--collect-only"]);
    return fs.readFileSync(out, "utf8").split("\n").filter((l) => l !== "");
  }

  /** Did `victim` pass when run right after `candidates`? */
  private async passedWith(victim: string, candidates: readonly string[]): Promise<boolean> {
    const ids = path.join(this.work, "testids.txt");
    const results = path.join(this.work, "results.json");
    fs.writeFileSync(ids, [...candidates, victim].map((t) => t + "\n").join(""));
    fs.rmSync(results, { force: true });
    await this.pytest([`--otd-testids-in=${ids}`, `--otd-results-out=${results}`]); // exit code unused, as there
    const passed = (JSON.parse(fs.readFileSync(results, "utf8")) as Record<string, boolean>)[victim];
    if (passed === undefined) throw new Error(`bisect: no call-phase result for ${victim}`);
    return passed;
  }

  async run(victim: string): Promise<BisectResult> {
    const log = this.result.log;
    try {
      let ids = await this.discover();
      log.push(`discovered ${ids.length} tests`);
      if (!ids.includes(victim)) return this.give(`${victim} was not among the discovered tests`);
      if (!(await this.passedWith(victim, []))) return this.give("the victim fails by itself");
      ids = ids.filter((t) => t !== victim);
      if (await this.passedWith(victim, ids)) return this.give("the victim passed after all the other tests");
      while (ids.length > 1) {
        const pivot = Math.floor(ids.length / 2);
        const [first, second] = [ids.slice(0, pivot), ids.slice(pivot)];
        ids = (await this.passedWith(victim, first)) ? second : first;
        log.push(`step: ${ids.length} candidates left`);
      }
      if (await this.passedWith(victim, ids)) return this.give(`double-check failed: ${ids[0]} + victim passed`);
      this.result.polluter = ids[0];
      log.push(`polluter: ${ids[0]}`);
      return this.result;
    } finally {
      fs.rmSync(this.work, { recursive: true, force: true });
    }
  }

  private give(why: string): BisectResult {
    this.result.log.push(`gave up: ${why}`);
    return this.result;
  }
}
