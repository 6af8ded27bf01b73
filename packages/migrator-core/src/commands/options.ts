import { InvalidArgumentError, type Command } from 'commander';
import type { DialectOptions } from '../dialects/index.js';
import { UsageError } from './io.js';

export const EXIT_CODES =
  'Exit codes: 0 success, 1 a migration failed (status --exit-code: something pending, changed or drifted), 2 bad usage or configuration, 3 the lock ' +
  'wait timed out.';

const SCHEMA_PATTERN = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

/** A commander argument parser for a whole number of seconds, versions or retries. */
export function wholeNumber(flag: string): (raw: string) => number {
  return (raw) => {
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw new InvalidArgumentError(`${flag} takes a whole number, got "${raw}"`);
    return Number(raw);
  };
}

function schemaName(raw: string): string {
  if (!SCHEMA_PATTERN.test(raw)) throw new InvalidArgumentError(`--schema takes a schema name ([A-Za-z_][A-Za-z0-9_$]*), got "${raw}"`);
  return raw;
}

/** The flags of every command that opens a database, beside the ones that name it (see targets.ts). */
export interface ConnectionFlags {
  schema?: string;
  wait?: number;
  json?: boolean;
}

/** The flags of the commands that take the migration lock or read the history under it. */
export interface LockFlags extends ConnectionFlags {
  lockTimeout?: number;
  ddlLockTimeout?: number;
  lockRetries?: number;
  concurrentLockTimeout?: number;
}

export type PostgresBounds = Pick<DialectOptions, 'ddlLockTimeoutMs' | 'lockRetries' | 'concurrentLockTimeoutMs' | 'connectWaitMs'>;

/** `--schema`, `--wait` and `--json`: what a read-only command (verify) needs. */
export function addConnectionOptions(command: Command): Command {
  return command
    .option('--schema <name>', 'PostgreSQL: the schema the plane owns (default public)', schemaName)
    .option('--wait <seconds>', 'PostgreSQL: keep trying an unreachable database this long (default 30)', wholeNumber('--wait'))
    .option('--json', 'print one JSON document instead of text');
}

/** The connection options plus the lock and statement bounds of the commands that run migrations. */
export function addLockOptions(command: Command): Command {
  return addConnectionOptions(command)
    .option('--lock-timeout <seconds>', 'seconds to wait for another run of the same plane (default 60)', wholeNumber('--lock-timeout'))
    .option('--ddl-lock-timeout <seconds>', 'PostgreSQL: lock_timeout of migration statements (default 5)', wholeNumber('--ddl-lock-timeout'))
    .option('--lock-retries <n>', 'PostgreSQL: retries of a migration that could not get its locks (default 5)', wholeNumber('--lock-retries'))
    .option(
      '--concurrent-lock-timeout <seconds>',
      'PostgreSQL: lock_timeout of CONCURRENTLY statements (default 600)',
      wholeNumber('--concurrent-lock-timeout'),
    );
}

/** The PostgreSQL bounds given on the command line; the engine's defaults for the rest. */
export function postgresBounds(flags: LockFlags): PostgresBounds {
  if (flags.ddlLockTimeout === 0) throw new UsageError('--ddl-lock-timeout must be at least 1 second (0 would let DDL wait forever)');
  const bounds = {
    ddlLockTimeoutMs: flags.ddlLockTimeout === undefined ? undefined : flags.ddlLockTimeout * 1000,
    lockRetries: flags.lockRetries,
    concurrentLockTimeoutMs: flags.concurrentLockTimeout === undefined ? undefined : flags.concurrentLockTimeout * 1000,
    connectWaitMs: flags.wait === undefined ? undefined : flags.wait * 1000,
  };
  return Object.fromEntries(Object.entries(bounds).filter(([, v]) => v !== undefined));
}

/** The options every dialect of a command is made with. */
export function dialectOptions(flags: LockFlags): DialectOptions {
  return { ...postgresBounds(flags), ...(flags.schema === undefined ? {} : { schema: flags.schema }) };
}

/** `--lock-timeout` in milliseconds; unset: the engine's default (60 s). */
export function lockTimeout(flags: LockFlags): { lockTimeoutMs?: number } {
  return flags.lockTimeout === undefined ? {} : { lockTimeoutMs: flags.lockTimeout * 1000 };
}
