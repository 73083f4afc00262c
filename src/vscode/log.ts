// The "ORM Test Doctor" log, filtered by the ormTestDoctor.log.level setting (followed live).
import * as vscode from "vscode";

export type LogLevel = "error" | "warn" | "info" | "debug";
const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/** What the rest of the extension writes to. */
export interface Log {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
  show(): void;
}

export function readLogLevel(): LogLevel {
  const v = vscode.workspace.getConfiguration("ormTestDoctor").get<string>("log.level", "info");
  return v in RANK ? (v as LogLevel) : "info";
}

export class LevelledLog implements Log, vscode.Disposable {
  level: LogLevel = readLogLevel();
  private readonly written = new vscode.EventEmitter<{ level: LogLevel; message: string }>();
  /** Fires for each line that passed the level filter (tests read it). */
  readonly onDidWrite = this.written.event;
  private readonly sub: vscode.Disposable;

  constructor(readonly channel: vscode.LogOutputChannel) {
    this.sub = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration("ormTestDoctor.log.level")) this.level = readLogLevel();
    });
  }

  private write(level: LogLevel, message: string): void {
    if (RANK[level] > RANK[this.level]) return;
    // The channel has its own level (Developer: Set Log Level, default info); our setting asked
    // for debug lines, so they must not be dropped there.
    if (level === "debug" && this.channel.logLevel > vscode.LogLevel.Debug) this.channel.info(`[debug] ${message}`);
    else this.channel[level](message);
    this.written.fire({ level, message });
  }

  error(message: string): void {
    this.write("error", message);
  }
  warn(message: string): void {
    this.write("warn", message);
  }
  info(message: string): void {
    this.write("info", message);
  }
  debug(message: string): void {
    this.write("debug", message);
  }
  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.sub.dispose();
    this.written.dispose();
  }
}
