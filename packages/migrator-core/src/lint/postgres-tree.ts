import type { ObjectKind } from './created-objects.js';

// libpg-query's JSON trees are read defensively; @pgsql/types is not a dependency of this package.
type Tree = any;

/** Reading libpg-query's parse trees: names, the objects of a DROP, column constraints, volatile defaults. */

/** Volatile functions: a new column defaulting to one of them is filled row by row, rewriting the table. */
const VOLATILE_FUNCTIONS = new Set([
  'random',
  'gen_random_uuid',
  'uuid_generate_v1',
  'uuid_generate_v1mc',
  'uuid_generate_v4',
  'uuidv4',
  'uuidv7',
  'clock_timestamp',
  'timeofday',
  'nextval',
  'txid_current',
  'setseed',
]);
export const SERIAL_TYPES = new Set(['serial', 'serial2', 'serial4', 'serial8', 'smallserial', 'bigserial']);

/** What each DROP object type removes, and the rule it breaks. */
export const DROP_KINDS: Record<string, { kind: ObjectKind; rule: string; noun: string }> = {
  OBJECT_TABLE: { kind: 'table', rule: 'drop-table', noun: 'table' },
  OBJECT_INDEX: { kind: 'index', rule: 'drop-index', noun: 'index' },
  OBJECT_TYPE: { kind: 'type', rule: 'drop-object', noun: 'type' },
  OBJECT_DOMAIN: { kind: 'type', rule: 'drop-object', noun: 'domain' },
  OBJECT_VIEW: { kind: 'view', rule: 'drop-object', noun: 'view' },
  OBJECT_MATVIEW: { kind: 'view', rule: 'drop-object', noun: 'materialized view' },
  OBJECT_SCHEMA: { kind: 'schema', rule: 'drop-object', noun: 'schema' },
  OBJECT_FUNCTION: { kind: 'function', rule: 'drop-object', noun: 'function' },
  OBJECT_PROCEDURE: { kind: 'function', rule: 'drop-object', noun: 'procedure' },
  OBJECT_ROUTINE: { kind: 'function', rule: 'drop-object', noun: 'routine' },
  OBJECT_SEQUENCE: { kind: 'sequence', rule: 'drop-object', noun: 'sequence' },
  OBJECT_TRIGGER: { kind: 'trigger', rule: 'drop-object', noun: 'trigger' },
  OBJECT_EXTENSION: { kind: 'extension', rule: 'drop-object', noun: 'extension' },
  OBJECT_POLICY: { kind: 'policy', rule: 'drop-object', noun: 'policy' },
};

export const strings = (list: Tree): string[] =>
  Array.isArray(list) ? list.map((n: Tree) => n?.String?.sval).filter((s: unknown): s is string => typeof s === 'string') : [];
export const lastName = (list: Tree): string | undefined => strings(list).at(-1);

/** The name parts of a DROP's object, whichever shape the parser gave it. */
export function objectNames(object: Tree): string[] {
  if (object?.String) return [object.String.sval];
  if (object?.List) return strings(object.List.items);
  if (object?.TypeName) return strings(object.TypeName.names);
  if (object?.ObjectWithArgs) return strings(object.ObjectWithArgs.objname);
  return [];
}

export function constraintsOf(column: Tree): Tree[] {
  return (column?.constraints ?? []).map((c: Tree) => c.Constraint).filter(Boolean);
}

export function isVolatile(expression: Tree): boolean {
  if (!expression || typeof expression !== 'object') return false;
  if (Array.isArray(expression)) return expression.some(isVolatile);
  const name = lastName(expression.FuncCall?.funcname);
  if (name !== undefined && VOLATILE_FUNCTIONS.has(name.toLowerCase())) return true;
  return Object.values(expression).some(isVolatile);
}
