// Public surface of the static "factories vs models" check.
export { check, checkFile } from "./check";
export { applyEdit, fixEdit, type TextEdit } from "./fixes";
export type { DriftEdit, DriftFixId, DriftKind, Finding } from "./model";
