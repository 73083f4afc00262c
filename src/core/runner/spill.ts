// The plugin's spill (python/orm_test_doctor/spill.py): the lines it has written but not yet sent
// on the socket, in a file it maps. Read after pytest ends (a crash loses nothing) and while the
// socket is quiet (a long or hung test is seen started). Every line has an index, counted over the
// lines of the plugin's connection; Delivery hands each index on once, in order, whichever of the
// socket and the spill brings it first.
import * as fs from "node:fs";

export const SPILL_FILE = "spill";
const HEADER = 16;
const SIZE = 1 << 20; // spill.py's SIZE

export interface Held {
  base: number; // index of the first line
  lines: string[]; // complete lines only
}

/** The lines held in the spill. live: pytest may be writing it, so a read that a reset overlapped
 * (its generation odd or changed) gives undefined, to be tried again later. */
export function readSpill(fd: number, live: boolean): Held | undefined {
  const head = Buffer.alloc(HEADER);
  if (fs.readSync(fd, head, 0, HEADER, 0) < HEADER) return undefined; // not mapped yet
  const gen = head.readUInt32LE(0);
  const base = head.readUInt32LE(4);
  const used = head.readUInt32LE(8);
  if ((live && gen % 2 === 1) || used > SIZE - HEADER) return undefined;
  const data = Buffer.alloc(used);
  const got = used ? fs.readSync(fd, data, 0, used, HEADER) : 0;
  if (live) {
    const again = Buffer.alloc(8);
    fs.readSync(fd, again, 0, 8, 0);
    if (again.readUInt32LE(0) !== gen || again.readUInt32LE(4) !== base) return undefined;
  }
  const text = data.subarray(0, data.lastIndexOf(0x0a, got - 1) + 1).toString("utf8");
  return { base, lines: text ? text.slice(0, -1).split("\n") : [] };
}

/** The plugin connection's lines, from the socket and the spill, each delivered once in order. */
export class Delivery {
  private delivered = 0; // lines handed on, from either source
  private seen = 0; // lines read from the socket
  private partial = ""; // the socket's last, unterminated line (pytest died while sending it)
  private fd: number | undefined;
  /** Ticks since socket data last arrived. */
  private silent = 0;

  constructor(spillPath: string | undefined, private readonly onLine: (line: string) => void) {
    if (spillPath === undefined) return;
    try {
      this.fd = fs.openSync(spillPath, "r");
    } catch {
      this.fd = undefined;
    }
  }

  /** A line from the socket (index = lines so far); overflow: one dropped for its size. */
  fromSocket(line: string | undefined): void {
    this.silent = 0;
    if (this.seen++ < this.delivered) return; // the spill brought it already
    this.delivered = this.seen;
    if (line !== undefined) this.onLine(line);
  }

  socketEnded(rest: string): void {
    this.partial = rest;
  }

  /** Called every tick: when the socket said nothing for two ticks (a batch comes every ~100 ms
   * while tests run), what the spill holds. */
  quiet(): void {
    if (++this.silent >= 2) this.fromSpill(true);
  }

  /** After pytest ended and the socket closed: what never reached the socket. */
  end(): void {
    const held = this.fromSpill(false);
    const rest = this.partial.trim();
    this.partial = "";
    // a line cut off mid-send is whole in the spill; only without one is the stub passed on
    if (rest && !(held && held.base <= this.seen && held.base + held.lines.length > this.seen)) this.fromSocket(rest);
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  private fromSpill(live: boolean): Held | undefined {
    if (this.fd === undefined) return undefined;
    let held: Held | undefined;
    try {
      held = readSpill(this.fd, live);
    } catch {
      return undefined;
    }
    // live, a gap means lines still on their way through the socket: they come first
    if (!held || (live && held.base > this.delivered)) return held;
    for (let i = Math.max(0, this.delivered - held.base); i < held.lines.length; i++) {
      this.delivered = held.base + i + 1;
      if (held.lines[i]!.trim() !== "") this.onLine(held.lines[i]!);
    }
    return held;
  }
}
