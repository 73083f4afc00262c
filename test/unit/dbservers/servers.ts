// Throwaway database servers for tests: a PostgreSQL cluster (initdb + pg_ctl) and a MariaDB
// server (mariadb-install-db + mariadbd --skip-grant-tables), each on a free loopback port with
// its data, socket and log in a temp folder. Every command goes through execFile/spawn with an
// argument array; every wait is bounded and fails with the server's log tail.
//
// In a mocha file:   const pg = useServer("postgresql");   // registers before/after hooks
//                    it("...", () => { pg.get().url("postgresql+psycopg2") ... });
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

export type ServerKind = "postgresql" | "mariadb";

export interface DbServer {
  readonly kind: ServerKind;
  readonly host: "127.0.0.1";
  readonly port: number;
  /** Temp folder holding data, socket and log; removed by stop(). */
  readonly dir: string;
  readonly database: string;
  readonly user: string;
  /** Server version as the server reports it ("15.14", "10.11.19-MariaDB-..."). */
  readonly version: string;
  /** SQLAlchemy URL for `driver` ("postgresql+psycopg2", "mysql+pymysql"); `database` defaults to the one created. */
  url(driver: string, database?: string): string;
  /** Creates another database (e.g. one per Python stack). */
  createDatabase(name: string): Promise<void>;
  /** Stops the server and removes its folder. Safe to call twice. */
  stop(): Promise<void>;
  /** The server log (for error messages). */
  logTail(chars?: number): string;
}

export class ServerSetupError extends Error {
  override name = "ServerSetupError";
}

const START_TIMEOUT_S = 40;
const CMD_TIMEOUT_MS = 60_000;

interface CmdResult {
  stdout: string;
  stderr: string;
}

function cmd(file: string, args: readonly string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CmdResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      [...args],
      { timeout: opts.timeoutMs ?? CMD_TIMEOUT_MS, killSignal: "SIGKILL", maxBuffer: 8 << 20, env: opts.env ?? process.env, cwd: opts.cwd },
      (err, stdout, stderr) => {
        if (err) {
          const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
          const why = e.killed ? `timed out after ${opts.timeoutMs ?? CMD_TIMEOUT_MS} ms` : `failed (${String(e.code)})`;
          reject(new ServerSetupError(`${path.basename(file)} ${args.join(" ")} ${why}\n${String(stderr).trim() || String(stdout).trim()}`.trim()));
        } else resolve({ stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** A port the OS says is free on 127.0.0.1 (released before the server binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error("no free port"))));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function tail(file: string, chars = 3000): string {
  try {
    const s = fs.readFileSync(file, "utf8");
    return s.length > chars ? "…" + s.slice(-chars) : s;
  } catch {
    return "";
  }
}

function missing(what: string, pkg: string, looked: string): ServerSetupError {
  return new ServerSetupError(
    `${what} not found (looked for ${looked}). Install the Debian package "${pkg}" (scripts/setup.sh installs it: apt-get install -y ${pkg}).`,
  );
}

function findExecutable(names: readonly string[], dirs: readonly string[]): string | undefined {
  for (const d of dirs) {
    for (const n of names) {
      const p = path.join(d, n);
      try {
        fs.accessSync(p, fs.constants.X_OK);
        return p;
      } catch {
        // next
      }
    }
  }
  return undefined;
}

const PATH_DIRS = (): string[] => [...(process.env["PATH"] ?? "").split(path.delimiter).filter((d) => d !== ""), "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

/** Removes `dir` (only our own temp folders: guarded by prefix). */
function removeDir(dir: string): void {
  if (!path.basename(dir).startsWith("otd-db-")) return;
  try {
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    // best effort
  }
}

function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

// Servers still running when the process exits (a crashed or interrupted mocha): stopped
// synchronously so no server outlives the test run.
const live = new Set<{ killSync(): void }>();
let exitHooked = false;
function track(h: { killSync(): void }): () => void {
  if (!exitHooked) {
    exitHooked = true;
    process.once("exit", () => {
      for (const x of [...live]) x.killSync();
    });
  }
  live.add(h);
  return () => live.delete(h);
}

// ---- PostgreSQL --------------------------------------------------------------------------------

/** `root` and `pathDirs` only for tests of the error path. */
export function postgresBinDir(root = "/usr/lib/postgresql", pathDirs: readonly string[] = PATH_DIRS()): string {
  let versions: string[] = [];
  try {
    versions = fs.readdirSync(root).filter((v) => /^\d+(\.\d+)?$/.test(v)).sort((a, b) => Number(b) - Number(a));
  } catch {
    versions = [];
  }
  for (const v of versions) {
    const bin = path.join(root, v, "bin");
    if (findExecutable(["initdb"], [bin]) && findExecutable(["pg_ctl"], [bin])) return bin;
  }
  // non-Debian layouts: initdb on PATH
  const initdb = findExecutable(["initdb"], pathDirs);
  if (initdb) return path.dirname(initdb);
  throw missing("PostgreSQL server (initdb, pg_ctl)", "postgresql", `${root}/*/bin and PATH`);
}

function userIds(name: string): { uid: number; gid: number } | undefined {
  try {
    for (const line of fs.readFileSync("/etc/passwd", "utf8").split("\n")) {
      const f = line.split(":");
      if (f[0] === name && f[2] !== undefined && f[3] !== undefined) return { uid: Number(f[2]), gid: Number(f[3]) };
    }
  } catch {
    // none
  }
  return undefined;
}

export async function startPostgres(database = "otd"): Promise<DbServer> {
  const bin = postgresBinDir();
  const root = isRoot();
  const runuser = root ? findExecutable(["runuser"], PATH_DIRS()) : undefined;
  const pgUser = root ? userIds("postgres") : undefined;
  if (root && (!runuser || !pgUser)) {
    throw new ServerSetupError(
      root && !pgUser ? 'running as root but there is no "postgres" user: install the Debian package "postgresql"' : 'running as root: "runuser" (util-linux) is needed to run initdb as postgres',
    );
  }
  // As root the server runs as postgres; otherwise as ourselves.
  const asPg = (file: string, args: string[]): [string, string[]] => (root && runuser ? [runuser, ["-u", "postgres", "--", file, ...args]] : [file, args]);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "otd-db-pg-"));
  const data = path.join(dir, "data");
  const sock = path.join(dir, "sock");
  const log = path.join(dir, "server.log");
  fs.mkdirSync(sock);
  if (root && pgUser) {
    for (const p of [dir, sock]) fs.chownSync(p, pgUser.uid, pgUser.gid);
  }
  let port = 0;
  let started = false;
  const pgCtl = path.join(bin, "pg_ctl");
  const stopSync = (): void => {
    if (!started) return;
    try {
      const [f, a] = asPg(pgCtl, ["-D", data, "-m", "immediate", "-w", "-t", "10", "stop"]);
      execFileSync(f, a, { stdio: "ignore", timeout: 15_000 });
    } catch {
      // already gone
    }
    started = false;
  };
  const untrack = track({ killSync: () => { stopSync(); removeDir(dir); } });
  try {
    const [f1, a1] = asPg(path.join(bin, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"]);
    await cmd(f1, a1, { timeoutMs: 60_000 });
    // a port can be taken between freePort() and the bind: retry a few times
    let lastErr: unknown;
    for (let attempt = 0; attempt < 3 && !started; attempt++) {
      port = await freePort();
      const serverOpts = `-p ${port} -k ${sock} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
      const [f2, a2] = asPg(pgCtl, ["-D", data, "-l", log, "-o", serverOpts, "-w", "-t", String(START_TIMEOUT_S), "start"]);
      try {
        await cmd(f2, a2, { timeoutMs: (START_TIMEOUT_S + 10) * 1000 });
        started = true;
      } catch (err) {
        lastErr = err;
        stopSync();
        started = false;
        // a stale postmaster.pid would block the next attempt
        if (!/already in use|could not bind/i.test(tail(log))) break;
      }
    }
    if (!started) throw new ServerSetupError(`PostgreSQL did not start within ${START_TIMEOUT_S} s: ${String((lastErr as Error)?.message ?? lastErr)}\n--- server log ---\n${tail(log)}`);
    const client = (name: string, args: string[]): Promise<CmdResult> =>
      cmd(path.join(bin, name), ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", ...args], { timeoutMs: 20_000, env: { ...process.env, PGCONNECT_TIMEOUT: "10" } });
    await client("createdb", [database]);
    const version = (await client("psql", ["-At", "-d", database, "-c", "SHOW server_version"])).stdout.trim();
    let stopped = false;
    const server: DbServer = {
      kind: "postgresql",
      host: "127.0.0.1",
      port,
      dir,
      database,
      user: "postgres",
      version,
      url: (driver, db = database) => `${driver}://postgres@127.0.0.1:${port}/${db}`,
      createDatabase: async (name) => {
        await client("createdb", [name]);
      },
      logTail: (chars) => tail(log, chars),
      stop: async () => {
        if (stopped) return;
        stopped = true;
        try {
          const [f, a] = asPg(pgCtl, ["-D", data, "-m", "fast", "-w", "-t", "20", "stop"]);
          await cmd(f, a, { timeoutMs: 30_000 });
          started = false;
        } catch {
          stopSync();
        } finally {
          untrack();
          removeDir(dir);
        }
      },
    };
    return server;
  } catch (err) {
    stopSync();
    untrack();
    removeDir(dir);
    throw err;
  }
}

// ---- MariaDB -------------------------------------------------------------------------------------

export function mariadbBinaries(dirs: readonly string[] = PATH_DIRS()): { installDb: string; server: string; client: string; admin: string } {
  const installDb = findExecutable(["mariadb-install-db", "mysql_install_db"], dirs);
  const server = findExecutable(["mariadbd", "mysqld"], dirs);
  const client = findExecutable(["mariadb", "mysql"], dirs);
  const admin = findExecutable(["mariadb-admin", "mysqladmin"], dirs);
  if (!installDb || !server) throw missing("MariaDB server (mariadb-install-db, mariadbd)", "mariadb-server", "PATH, /usr/sbin, /usr/bin");
  if (!client || !admin) throw missing("MariaDB client (mariadb, mariadb-admin)", "mariadb-client", "PATH, /usr/bin");
  return { installDb, server, client, admin };
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

export async function startMariadb(database = "otd"): Promise<DbServer> {
  const bin = mariadbBinaries();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "otd-db-maria-"));
  const data = path.join(dir, "data");
  const sock = path.join(dir, "mysqld.sock");
  const log = path.join(dir, "server.log");
  const user = os.userInfo().username;
  let child: ChildProcess | undefined;
  const killSync = (): void => {
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        try {
          child.kill("SIGKILL");
        } catch {
          // gone
        }
      }
    }
  };
  const untrack = track({ killSync: () => { killSync(); removeDir(dir); } });
  // --no-defaults first: the machine's /etc/mysql config must not leak in (socket paths, log files).
  const base = ["--no-defaults"];
  try {
    await cmd(bin.installDb, [...base, `--datadir=${data}`, `--user=${user}`, "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"], {
      timeoutMs: 90_000,
    });
    let port = 0;
    let ready = false;
    let version = "";
    const clientArgs = (): string[] => [...base, "-h", "127.0.0.1", "-P", String(port), "-u", "root", "--connect-timeout=5"];
    for (let attempt = 0; attempt < 3 && !ready; attempt++) {
      port = await freePort();
      const args = [
        ...base,
        `--datadir=${data}`,
        `--socket=${sock}`,
        `--port=${port}`,
        "--bind-address=127.0.0.1",
        "--skip-grant-tables",
        "--skip-name-resolve",
        `--pid-file=${path.join(dir, "mysqld.pid")}`,
        `--log-error=${log}`,
        "--innodb-buffer-pool-size=32M",
        "--innodb-log-file-size=16M",
        "--innodb-flush-log-at-trx-commit=0",
        "--skip-log-bin",
        ...(isRoot() ? ["--user=root"] : []),
      ];
      const c = spawn(bin.server, args, { detached: true, stdio: "ignore" });
      child = c;
      let spawnErr: Error | undefined;
      c.once("error", (e) => (spawnErr = e));
      const deadline = Date.now() + START_TIMEOUT_S * 1000;
      while (Date.now() < deadline) {
        if (spawnErr) throw new ServerSetupError(`mariadbd could not start: ${spawnErr.message}`);
        if (c.exitCode !== null || c.signalCode !== null) break;
        try {
          const r = await cmd(bin.client, [...clientArgs(), "-N", "-B", "-e", "SELECT VERSION()"], { timeoutMs: 10_000 });
          version = r.stdout.trim();
          ready = true;
          break;
        } catch {
          await sleep(250);
        }
      }
      if (ready) break;
      const exited = c.exitCode !== null || c.signalCode !== null;
      killSync();
      await waitExit(c, 5000);
      child = undefined;
      const logText = tail(log);
      if (!exited || !/Can't start server: Bind|Address already in use/i.test(logText)) {
        throw new ServerSetupError(
          `MariaDB did not ${exited ? "stay up" : `accept connections within ${START_TIMEOUT_S} s`} on 127.0.0.1:${port}\n--- server log ---\n${logText}`,
        );
      }
    }
    if (!ready) throw new ServerSetupError(`MariaDB could not bind a free port after 3 attempts\n--- server log ---\n${tail(log)}`);
    const sql = (statement: string): Promise<CmdResult> => cmd(bin.client, [...clientArgs(), "-e", statement], { timeoutMs: 20_000 });
    await sql(`CREATE DATABASE \`${database}\``);
    let stopped = false;
    const server: DbServer = {
      kind: "mariadb",
      host: "127.0.0.1",
      port,
      dir,
      database,
      user: "root",
      version,
      url: (driver, db = database) => `${driver}://root@127.0.0.1:${port}/${db}`,
      createDatabase: async (name) => {
        if (!/^\w+$/.test(name)) throw new Error(`bad database name ${name}`);
        await sql(`CREATE DATABASE \`${name}\``);
      },
      logTail: (chars) => tail(log, chars),
      stop: async () => {
        if (stopped) return;
        stopped = true;
        const c = child;
        try {
          if (c && c.exitCode === null && c.signalCode === null) {
            try {
              await cmd(bin.admin, [...clientArgs(), "shutdown"], { timeoutMs: 20_000 });
            } catch {
              c.kill("SIGTERM");
            }
            if (!(await waitExit(c, 20_000))) {
              killSync();
              await waitExit(c, 5000);
            }
          }
        } finally {
          untrack();
          removeDir(dir);
        }
      },
    };
    return server;
  } catch (err) {
    const c = child;
    killSync();
    if (c) await waitExit(c, 5000);
    untrack();
    removeDir(dir);
    throw err;
  }
}

export function startServer(kind: ServerKind, database?: string): Promise<DbServer> {
  return kind === "postgresql" ? startPostgres(database) : startMariadb(database);
}

export interface ServerHandle {
  readonly kind: ServerKind;
  /** The running server; throws when the before hook did not start it. */
  get(): DbServer;
  /** Starts the server once (later calls return the same promise). */
  start(): Promise<DbServer>;
  stop(): Promise<void>;
}

/** One server per handle, started at most once however often start() is called. */
export function serverHandle(kind: ServerKind, database?: string): ServerHandle {
  let starting: Promise<DbServer> | undefined;
  let server: DbServer | undefined;
  let error: unknown;
  return {
    kind,
    get() {
      if (server) return server;
      throw error instanceof Error ? error : new Error(`${kind} server was not started`);
    },
    start() {
      starting ??= startServer(kind, database).then(
        (s) => (server = s),
        (err: unknown) => {
          error = err;
          throw err;
        },
      );
      return starting;
    },
    async stop() {
      const p = starting;
      starting = undefined;
      server = undefined;
      if (!p) return;
      try {
        await (await p).stop();
      } catch {
        // start failed: it cleaned up after itself
      }
    },
  };
}

/**
 * Registers mocha before/after hooks (call at describe level) that start the server once for
 * the enclosing block and always stop and remove it afterwards, whether tests passed or not.
 */
export function useServer(kind: ServerKind, opts: { database?: string; startTimeoutMs?: number } = {}): ServerHandle {
  const h = serverHandle(kind, opts.database);
  before(async function () {
    this.timeout(opts.startTimeoutMs ?? 120_000);
    await h.start();
  });
  after(async function () {
    this.timeout(60_000);
    await h.stop();
  });
  return h;
}
