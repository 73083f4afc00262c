// The CLI's project index for one diagnose: the modules other than tests while pytest runs, and of
// the test modules only those the run names (runFiles.ts says why). A test module is indexed as
// soon as a message names it (a failing report, a telling provenance), on this thread, which is
// idle while pytest runs: after the run, a cold 12 KB test module cost 40–80 ms of parse and
// first-time JIT. What the whole run names is checked again at the end, so the result is the
// same as indexing it all after the run.
import { findPythonFiles, indexWorkspace, isTestFile, type ProjectIndex } from "../core/index";
import { filesNamedByRun, testModulesAmong, testModulesImported } from "../core/causes/runFiles";
import type { Message } from "../core/protocol";

export class RunIndex {
  private readonly walked: Promise<string[]>;
  private readonly built: Promise<ProjectIndex | undefined>;
  private queue: Promise<void>;
  private readonly asked = new Set<string>();
  private problem: string | undefined;
  private readonly late = new Set<string>();
  private readonly tried = new Set<string>();

  constructor(private readonly root: string) {
    this.walked = findPythonFiles(root);
    this.built = this.walked
      .then((files) => indexWorkspace(root, { workers: 0, files: files.filter((f) => !isTestFile(f)) }))
      .catch((err: unknown) => {
        this.problem = err instanceof Error ? err.message : String(err);
        return undefined;
      });
    this.queue = this.built.then(() => undefined);
  }

  /** A message as it arrives: the test modules it names are indexed now, in the background. */
  see(m: Message, rootdir: string): void {
    if (m.type !== "provenance" && !(m.type === "report" && m.outcome === "failed")) return;
    const named = filesNamedByRun([m], rootdir);
    if (named.size) this.queue = this.queue.then(() => this.add(named, false));
  }

  /** Every test module `messages` (and `nodeids`) name, and the test modules those import. */
  async cover(messages: readonly Message[], rootdir: string, nodeids: readonly string[] = []): Promise<void> {
    await this.queue;
    const named = filesNamedByRun(messages, rootdir, nodeids);
    this.queue = this.add(named, true);
    await this.queue;
  }

  /** The index once everything asked for is in; undefined when it could not be built. */
  async index(): Promise<ProjectIndex | undefined> {
    await this.queue;
    return this.built;
  }

  /** What went wrong, as warnings for the document. */
  warnings(): string[] {
    const out = this.problem ? [`the project index could not be built (${this.problem}): causes that need it are missing`] : [];
    return [...out, ...this.late];
  }

  /** Indexes the test modules among `named` not asked for before and, when there were any or
   * `always`, the test modules indexed files import. Never rejects: problems become warnings. */
  private async add(named: ReadonlySet<string>, always: boolean): Promise<void> {
    const index = await this.built;
    if (!index) return;
    const walked = await this.walked;
    const fresh = [...named].filter((f) => !this.asked.has(f));
    if (!fresh.length && !always) return;
    for (const f of fresh) this.asked.add(f);
    try {
      let more = [...new Set([...testModulesAmong(walked, this.root, new Set(fresh)), ...testModulesImported(index, walked)])].filter((f) => !index.fileFacts(f));
      // and the test modules those import, until none is left: the same set whatever order the
      // run named the modules in (each round tries only modules not tried before, so it ends)
      while (more.length) {
        for (const f of more) this.tried.add(f);
        await indexWorkspace(this.root, { into: index, files: more, workers: 0 });
        // a module that could not be read stays unindexed: it is not tried again
        more = testModulesImported(index, walked).filter((f) => !index.fileFacts(f) && !this.tried.has(f));
      }
    } catch (err) {
      this.late.add(`test modules could not be indexed (${err instanceof Error ? err.message : String(err)}): causes that need them are missing`);
    }
  }
}
