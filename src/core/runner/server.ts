// A private socket the plugin connects to: a Unix socket in a fresh 0700 temp dir (a named pipe
// would be the Windows equivalent; there we fall back to TCP on loopback).
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

export interface MessageServer {
  /** Value for ORM_TEST_DOCTOR_SOCKET. */
  readonly address: string;
  /** The private folder of a Unix socket (removed by close()), for other files of the run. */
  readonly dir: string | undefined;
  /** Resolves when every connection so far has ended, or after timeoutMs. */
  drain(timeoutMs: number): Promise<void>;
  close(): void;
}

export interface Connection {
  onData(chunk: Buffer): void;
  onEnd(): void;
}

// sun_path holds 108 bytes on Linux (104 on macOS), the terminating NUL included
const MAX_SOCKET_PATH = 103;
const SOCKET = "s.sock";

/**
 * A fresh private folder whose socket path fits: under the temp dir, else under /tmp (a long
 * TMPDIR would make Node bind a truncated path outside the folder); undefined: use TCP.
 */
export function socketDir(tmp: string = os.tmpdir()): string | undefined {
  for (const base of [tmp, "/tmp"]) {
    // mkdtemp adds six characters
    if (Buffer.byteLength(path.join(base, "otd-XXXXXX", SOCKET)) > MAX_SOCKET_PATH) continue;
    try {
      return fs.mkdtempSync(path.join(base, "otd-"));
    } catch {
      // not writable: try the next place
    }
  }
  return undefined;
}

export async function listen(newConnection: () => Connection, tmp?: string): Promise<MessageServer> {
  const dir = process.platform === "win32" ? undefined : socketDir(tmp);
  const open = new Set<Promise<void>>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    const conn = newConnection();
    sockets.add(socket);
    const ended = new Promise<void>((resolve) => {
      socket.on("data", (chunk: Buffer) => conn.onData(chunk));
      socket.on("error", () => undefined); // a reset still ends in "close"
      socket.on("close", () => {
        conn.onEnd();
        sockets.delete(socket);
        resolve();
      });
    });
    open.add(ended);
    void ended.then(() => open.delete(ended));
  });
  const where = dir === undefined ? { host: "127.0.0.1", port: 0 } : { path: path.join(dir, SOCKET) };
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(where, () => resolve());
    });
  } catch (err) {
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const addr = server.address();
  const address = typeof addr === "string" ? addr : `tcp:127.0.0.1:${addr?.port ?? 0}`;

  return {
    address,
    dir,
    async drain(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      await Promise.race([Promise.all([...open]).then(() => undefined), timeout]);
      clearTimeout(timer);
    },
    close() {
      for (const s of sockets) s.destroy();
      server.close();
      if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
