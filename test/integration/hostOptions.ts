export interface HostOptions {
  repoRoot: string;
  workspace: string;
  extensionDevelopmentPath?: string; // absent when testing an installed VSIX
  extensionTestsPath: string;
  extensionsDir?: string;
  logDir: string;
  env: Record<string, string>;
  timeoutMs: number;
  verbose: boolean;
  chromium?: string;
  /** False starts VS Code with workspace trust on, so the opened folder is untrusted. */
  trusted?: boolean;
}
