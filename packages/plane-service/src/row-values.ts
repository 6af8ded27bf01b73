/**
 * The two dialects return the same columns as different JavaScript values (PostgreSQL: Date, bigint as
 * text, parsed jsonb; SQLite: ISO text, integers, JSON text). Routes answer the same JSON from both.
 */

/** A timestamp as ISO 8601 UTC, or null. */
export function isoTimestamp(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
}

/** An amount in minor currency units (paise): PostgreSQL's bigint arrives as text. */
export function minorUnits(value: number | string | bigint): number {
  return Number(value);
}

/** A JSON column: parsed by pg, text in SQLite. */
export function jsonValue(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value;
}
