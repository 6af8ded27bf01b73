import { normalizeSql } from '../migration.js';
import { createSha256 } from '../sha256.js';

/**
 * The kinds of object a schema snapshot describes. Objects that belong to a table (columns,
 * constraints, indexes, triggers) are named `<table>.<name>`.
 */
export type SchemaObjectKind = 'extension' | 'type' | 'sequence' | 'function' | 'table' | 'column' | 'constraint' | 'index' | 'trigger' | 'view';

/** Section order of the snapshot file: what others depend on comes first; a table's parts follow it. */
export const KIND_ORDER: readonly SchemaObjectKind[] = [
  'extension',
  'type',
  'sequence',
  'function',
  'table',
  'column',
  'constraint',
  'index',
  'trigger',
  'view',
];

const TABLE_PARTS = new Set<SchemaObjectKind>(['table', 'column', 'constraint', 'index', 'trigger']);

/**
 * One object as the catalog describes it, normalised: no OIDs, no schema names, no server versions,
 * one line. `definition` is what a comparison compares; `kind` and `name` say which object it is.
 */
export interface SchemaObject {
  readonly kind: SchemaObjectKind;
  readonly name: string;
  readonly definition: string;
}

/** `column billing_invoices.razorpay_order_id`: how reports name an object. */
export function objectKey(object: Pick<SchemaObject, 'kind' | 'name'>): string {
  return `${object.kind} ${object.name}`;
}

/** The table a table part belongs to (`billing_invoices` for `billing_invoices.status`); null for the rest. */
export function parentTable(object: Pick<SchemaObject, 'kind' | 'name'>): string | null {
  if (object.kind === 'table' || !TABLE_PARTS.has(object.kind)) return null;
  const dot = object.name.indexOf('.');
  return dot === -1 ? null : object.name.slice(0, dot);
}

/** The sort key of the snapshot: section, then each table with its parts, then name. */
export function compareObjects(a: Pick<SchemaObject, 'kind' | 'name'>, b: Pick<SchemaObject, 'kind' | 'name'>): number {
  const section = (o: Pick<SchemaObject, 'kind'>) => (TABLE_PARTS.has(o.kind) ? KIND_ORDER.indexOf('table') : KIND_ORDER.indexOf(o.kind));
  const group = (o: Pick<SchemaObject, 'kind' | 'name'>) => (o.kind === 'table' ? o.name : (parentTable(o) ?? o.name));
  return section(a) - section(b) || compareText(group(a), group(b)) || KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || compareText(a.name, b.name);
}

/** Code-point order, the same on every machine and locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * SQL text on one line: runs of white space outside quotes become one space, line breaks inside
 * quoted text become `\n`. Comments are kept as written (they are part of what the database stored).
 */
export function oneLine(sql: string): string {
  let out = '';
  let quote: string | null = null;
  let pendingSpace = false;
  for (const c of sql.replace(/\r\n?/g, '\n')) {
    if (quote === null && /\s/.test(c)) {
      pendingSpace = out !== '';
      continue;
    }
    if (pendingSpace) {
      out += ' ';
      pendingSpace = false;
    }
    if (quote === null && (c === "'" || c === '"')) quote = c;
    else if (quote !== null && c === quote) quote = null;
    out += quote !== null && c === '\n' ? '\\n' : c;
  }
  return out;
}

/** A short, named digest of a body (function, trigger): enough to see that it changed, without its text. */
export function bodyHash(body: string): string {
  return `sha256:${createSha256().update(normalizeSql(body), 'utf8').digest('hex').slice(0, 16)}`;
}

/** Sorted, with a duplicate key (which a catalog reader must never produce) refused. */
export function sortObjects(objects: readonly SchemaObject[]): SchemaObject[] {
  const sorted = [...objects].sort(compareObjects);
  for (let i = 1; i < sorted.length; i++) {
    if (objectKey(sorted[i]!) === objectKey(sorted[i - 1]!)) throw new Error(`two catalog objects have the same name: ${objectKey(sorted[i]!)}`);
  }
  return sorted;
}
