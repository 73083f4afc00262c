// Only what the project enforces: src/core (and the CLI built on it) never imports vscode.
import tseslint from "typescript-eslint";

const noVscode = "src/core is used by the CLI and the unit tests, which run without VS Code: keep VS Code code in src/vscode.";

export default [
  {
    files: ["**/*.ts"],
    languageOptions: { parser: tseslint.parser },
    // The source keeps disable comments for rules not turned on here.
    linterOptions: { reportUnusedDisableDirectives: "off" },
  },
  {
    files: ["src/core/**/*.ts", "src/cli/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        paths: [{ name: "vscode", message: noVscode }],
        patterns: [{ group: ["vscode/*"], message: noVscode }],
      }],
    },
  },
];
