// pytest's stdout as a file we read on a timer, rather than a pipe: pytest flushes its progress
// after every test, and through a pipe each flush woke this process up (once per test on a suite
// of quick tests, #9). The file also keeps what a dying pytest wrote; it lives in the run's
// private folder and goes with it.
import * as fs from "node:fs";
import { StringDecoder } from "node:string_decoder";

const CHUNK = 64 * 1024;

export class FileTail {
  private readonly decoder = new StringDecoder("utf8");
  private readonly buf = Buffer.alloc(CHUNK);
  private pos = 0;

  /** fd: open for reading, now ours (close() closes it); reads are positioned, so a writer
   * sharing it (O_APPEND) is not disturbed. */
  constructor(private readonly fd: number, private readonly onText: (text: string) => void) {}

  /** Passes on everything written since the last call. */
  poll(): void {
    for (;;) {
      const n = fs.readSync(this.fd, this.buf, 0, CHUNK, this.pos);
      if (n <= 0) return;
      this.pos += n;
      const text = this.decoder.write(this.buf.subarray(0, n));
      if (text) this.onText(text);
      if (n < CHUNK) return;
    }
  }

  close(): void {
    this.poll();
    const rest = this.decoder.end();
    if (rest) this.onText(rest);
    fs.closeSync(this.fd);
  }
}
