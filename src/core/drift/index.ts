// Public surface of the static "factories vs models" check.
export { check, checkFile } from "./check";
export { DriftFindings } from "./incremental";
export { driftCauses, DRIFT_CAUSE_RANK } from "./fromFailure";
export { applyEdit, fixEdit, type TextEdit } from "./fixes";
export type { DriftEdit, DriftFixId, DriftKind, DriftSubject, Finding } from "./model";
