// Public surface of the Python project index.
export { ProjectIndex } from "./project";
export type { EngineSite, FactoryCallInfo, FactoryLink, FixtureLink, ProjectIndexOptions, TestLinks } from "./project";
export { indexWorkspace, defaultWorkerScript, updateWorkspaceIndex } from "./workspace";
export type { IndexOptions, IndexProgress } from "./workspace";
export { findPythonFiles } from "./walk";
export { isTestFile } from "./fixtures";
export type { FileFacts, Value } from "./facts";
export type { Resolved } from "./resolve";
export type { FactoryInfo, FieldInfo, FieldKind, MetaValue, OverrideInfo } from "./factories";
export type { EngineInfo, FixtureInfo, SessionInfo, TestInfo, OpSite } from "./fixtures";
export type { ColumnInfo, KeyInfo, ModelInfo, TableInfo } from "./models";
export type { Dialect, KeyKind, Names } from "./naming";
export { classifyUrl } from "./urls";
export type { UrlInfo, UrlKind } from "./urls";
