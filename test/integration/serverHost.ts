// Host "server": the VS Code server bundled in code-server (installed by
// scripts/install-vscode-server.sh) with its workbench in Debian's Chromium, driven by
// playwright-core: the server is started with --enable-smoke-test-driver, which makes it accept the
// extension-development payload in the URL; the workbench calls codeAutomationExit(code) when the
// suite settles.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { chromium, type Page } from "playwright-core";
import type { HostOptions } from "./hostOptions";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

async function waitForServer(port: number, server: ChildProcess, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (server.exitCode !== null) throw new Error(`VS Code server exited with ${server.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`);
      if (res.status < 500) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`VS Code server did not answer on port ${port} within ${ms} ms`);
}

/** SIGTERM to the server's process group, SIGKILL to whatever is left after 3 s. */
async function stopGroup(server: ChildProcess): Promise<void> {
  const pid = server.pid;
  if (pid === undefined) return;
  const signal = (sig: NodeJS.Signals | 0) => {
    try {
      process.kill(-pid, sig);
      return true;
    } catch {
      return false; // the group is gone
    }
  };
  if (!signal("SIGTERM")) return;
  for (let i = 0; i < 30; i++) {
    await new Promise((r) => setTimeout(r, 100));
    if (!signal(0)) return;
  }
  signal("SIGKILL");
}

/** Prints what is appended to `file` as it grows; returns a function that prints the rest and stops. */
function tailFile(file: string): () => void {
  if (!file) return () => undefined;
  fs.writeFileSync(file, "");
  let pos = 0;
  const flush = () => {
    const size = fs.statSync(file).size;
    if (size <= pos) return;
    const fd = fs.openSync(file, "r");
    const buf = Buffer.alloc(size - pos);
    fs.readSync(fd, buf, 0, buf.length, pos);
    fs.closeSync(fd);
    pos = size;
    process.stdout.write(buf);
  };
  const timer = setInterval(flush, 300);
  return () => {
    clearInterval(timer);
    flush();
  };
}

/** What a test asks for: a file name, and optionally text that must be on screen first. */
interface ShotRequest {
  name: string;
  waitFor?: { selector: string; text: string };
}

/** Waits until the requested text is on screen (and two frames are painted), takes the picture,
 * then acknowledges with <name>.json: the visible text of the selector, or why it failed. */
async function takeScreenshot(page: Page, dir: string, req: ShotRequest): Promise<void> {
  const ack: { ok: boolean; file: string; text?: string; error?: string } = { ok: false, file: path.join(dir, `${req.name}.png`) };
  try {
    if (req.waitFor) {
      const { selector, text } = req.waitFor;
      // Strings, not functions: this file is compiled without the DOM types the page has.
      // The editor draws spaces as no-break spaces.
      const visible = `[...document.querySelectorAll(${JSON.stringify(selector)})].some((e) => e.innerText.replace(/\\u00a0/g, " ").includes(${JSON.stringify(text)}))`;
      await page.waitForFunction(visible, undefined, { timeout: 20_000 });
      ack.text = (await page.locator(selector).allInnerTexts()).join("\n").replace(/\u00a0/g, " ");
    }
    await page.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))");
    await page.screenshot({ path: ack.file });
    ack.ok = true;
  } catch (err) {
    ack.error = err instanceof Error ? err.message : String(err);
    if (req.waitFor) ack.text = (await page.locator(req.waitFor.selector).allInnerTexts().catch(() => [])).join("\n");
    await page.screenshot({ path: ack.file }).catch(() => undefined);
  }
  fs.writeFileSync(path.join(dir, `${req.name}.json`), JSON.stringify(ack, null, 2));
}

export async function runOnServer(opts: HostOptions): Promise<number> {
  const cache = path.join(opts.repoRoot, ".cache", "vscode-server");
  const node24 = path.join(cache, "node24", "node_modules", "node", "bin", "node");
  const serverMain = path.join(cache, "cs", "node_modules", "code-server", "lib", "vscode", "out", "server-main.js");
  if (!fs.existsSync(node24) || !fs.existsSync(serverMain)) {
    throw new Error("VS Code server not installed: run `bash scripts/install-vscode-server.sh` (or scripts/setup.sh)");
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "otd-vscode-"));
  const port = await freePort();
  const server = spawn(
    node24,
    [
      serverMain, "--host", "127.0.0.1", "--port", String(port), "--without-connection-token",
      "--accept-server-license-terms", "--enable-smoke-test-driver", "--disable-telemetry",
      ...(opts.trusted === false ? [] : ["--disable-workspace-trust"]), "--user-data-dir", path.join(tmp, "user"),
      "--server-data-dir", path.join(tmp, "server"), "--extensions-dir", opts.extensionsDir ?? path.join(tmp, "ext"),
    ],
    // Own process group: the server forks helpers (file watcher, extension host) that must go too.
    { env: { ...process.env, ...opts.env }, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  const serverLog = fs.createWriteStream(path.join(opts.logDir, "vscode-server.log"));
  server.stdout?.pipe(serverLog);
  server.stderr?.pipe(serverLog);
  const browser = await chromium.launch({
    executablePath: opts.chromium ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  try {
    await waitForServer(port, server, 60_000);
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
    const page = await context.newPage();
    const remote = (p: string) => `vscode-remote://127.0.0.1:${port}${p}`;
    const exitCode = new Promise<number>((resolve) => {
      void page.exposeFunction("codeAutomationExit", (code: number) => resolve(code));
    });
    // The workbench console is noisy offline (marketplace, GitHub look-ups): keep it in a file,
    // and stream the suite's own output from the log file the test index writes.
    const consoleLog = fs.createWriteStream(path.join(opts.logDir, "workbench-console.log"));
    page.on("console", (msg) => {
      consoleLog.write(msg.text() + "\n");
      // A test asks for a picture of the workbench (see suite/helpers.ts screenshot()).
      const shot = /\[\[otd-screenshot:(\{.*\})\]\]/.exec(msg.text());
      if (shot?.[1]) void takeScreenshot(page, opts.logDir, JSON.parse(shot[1]) as ShotRequest);
      if (opts.verbose) process.stdout.write(msg.text() + "\n");
    });
    const stopTail = tailFile(opts.env["ORM_TD_LOG_FILE"] ?? "");
    const payload: string[][] = [];
    if (opts.extensionDevelopmentPath) payload.push(["extensionDevelopmentPath", remote(opts.extensionDevelopmentPath)]);
    payload.push(["extensionTestsPath", remote(opts.extensionTestsPath)]);
    const target = opts.workspace.endsWith(".code-workspace") ? "workspace" : "folder";
    const url = `http://127.0.0.1:${port}/?${target}=${encodeURIComponent(opts.workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    await page.goto(url);
    const timeout = new Promise<number>((resolve) =>
      setTimeout(() => {
        process.stderr.write(`integration suite timed out after ${opts.timeoutMs} ms\n`);
        resolve(1);
      }, opts.timeoutMs).unref(),
    );
    const code = await Promise.race([exitCode, timeout]);
    stopTail();
    await page.screenshot({ path: path.join(opts.logDir, "workbench-end.png") }).catch(() => undefined);
    return code;
  } finally {
    await browser.close().catch(() => undefined);
    await stopGroup(server);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
