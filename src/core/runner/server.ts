// A private socket the plugin connects to: a Unix socket in a fresh 0700 temp dir (a named pipe
// would be the Windows equivalent; there we fall back to TCP on loopback).
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

export interface MessageServer {
  /** Value for ORM_TEST_DOCTOR_SOCKET. */
  readonly address: string;
  /** Resolves when every connection so far has ended, or after timeoutMs. */
  drain(timeoutMs: number): Promise<void>;
  close(): void;
}

export interface Connection {
  onData(chunk: Buffer): void;
  onEnd(): void;
}

export async function listen(newConnection: () => Connection): Promise<MessageServer> {
  const useTcp = process.platform === "win32";
  const dir = useTcp ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), "otd-"));
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
  const where = dir === undefined ? { host: "127.0.0.1", port: 0 } : { path: path.join(dir, "s.sock") };
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(where, () => resolve());
  });
  const addr = server.address();
  const address = typeof addr === "string" ? addr : `tcp:127.0.0.1:${addr?.port ?? 0}`;

  return {
    address,
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
