export { ENGINE_TABLES } from '../dialect.js';
export { KIND_ORDER, objectKey, type SchemaObject, type SchemaObjectKind } from './schema-object.js';
export { SNAPSHOT_FORMAT, parseSnapshot, renderSnapshot, stateAfter, type SchemaSnapshot, type SnapshotObject, type SnapshotTag } from './snapshot-format.js';
export { compareSchema, isDrift, type CompareOptions, type DriftFinding, type DriftKind } from './compare-schema.js';
export type { DriftReport } from './drift-check.js';
export { generateSnapshot, readCatalog } from './generate-snapshot.js';
export { verifySchema, type SchemaVerification } from './verify-schema.js';
export { VERIFY_TITLE, renderDriftWarnings, renderFinding, renderVerification } from './render-drift.js';
