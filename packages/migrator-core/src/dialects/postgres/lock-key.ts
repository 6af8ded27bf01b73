import { createSha256 } from '../../sha256.js';
import { engineTable } from './quote.js';

/** A bigint advisory-lock key derived from a name, stable across releases. */
export function advisoryLockKey(lockName: string): bigint {
  return BigInt.asIntN(64, createSha256().update(lockName).digest().readBigUInt64BE(0));
}

/** The name of the lock that protects a schema's history table, as hashed into the key and shown to operators. */
export function migrationLockName(schema: string): string {
  return `atlas-migrations:${engineTable(schema)}`;
}

/** The advisory-lock key of the history table in `schema` (default `public`), e.g. for a test or a script that holds it. */
export function migrationLockKey(schema = 'public'): bigint {
  return advisoryLockKey(migrationLockName(schema));
}
