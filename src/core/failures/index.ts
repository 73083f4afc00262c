// Public surface of the failure model and its parsers.
export * from "./model";
export { parseDbError, buildDbFailure, partsFromPlugin, partsFromText, type DbParts } from "./dbMessage";
export { fromPluginError, dbFromChain } from "./plugin";
export { createPytestTextParser, parsePytestText, headlineOf, type PytestTextParser, type TextParserOptions } from "./text";
export { createJunitParser, parseJunitXml, type JunitOptions, type JunitParser } from "./junit";
export { groupFailures, isFollowOn, type FailureGroup } from "./group";
export { resolveConstraint, type ConstraintResolver, type ConstraintQuery, type ConstraintInfo } from "./resolve";
export { openSqliteResolver, type SqliteConstraintResolver } from "./sqliteResolver";
export { findUserFrame, isUserFile, type UserFrameOptions } from "./frames";
export { indexConstraintResolver, lookupInIndex, type IndexSource } from "./indexResolver";
export { failuresFromFile, failuresFromStream, failuresFromText } from "./read";
