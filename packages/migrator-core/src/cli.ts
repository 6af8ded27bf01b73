import { basename, join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createDialect, type DialectOptions } from './dialects/index.js';
import { isMigratorError, messageOf } from './errors.js';
import { lintCommand } from './lint/lint-command.js';
import type { Logger } from './logger.js';
import { loadRegistryFromDir, type Registry } from './registry.js';
import { renderFooter, renderHeader, renderPlane, renderStatus } from './render-report.js';
import { reportToJson, type MigrationReport, type PlaneReport, type RunMode } from './report.js';
import { DEFAULT_LOCK_TIMEOUT_MS, runMigrations } from './runner.js';
import { inspectMigrations, type PlaneStatus } from './status.js';
import { parseDatabaseUrl, redactUrl, scrubSecrets, type DatabaseTarget } from './target.js';

/** Where a command reads its environment and writes its output; `process` in production, buffers in tests. */
export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/**
 * The process's own streams. Output piped into a reader that closed early (`| head`) is dropped
 * quietly instead of crashing with EPIPE: a migration already under way must finish either way.
 */
export function processIo(): CliIo {
  let closed = false;
  const guard = (stream: NodeJS.WriteStream) => {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      closed = true;
    });
    return { write: (text: string) => (closed ? false : stream.write(text)) };
  };
  return { env: process.env, stdout: guard(process.stdout), stderr: guard(process.stderr) };
}

/** Exit codes: 0 success, 1 a migration (or the database) failed, 2 bad usage or configuration, 3 lock wait timed out. */
export const EXIT = Object.freeze({ ok: 0, failed: 1, usage: 2, lockTimeout: 3 });

/** A plane to migrate: its registry and the URL of its database. */
export interface PlaneTarget {
  readonly registry: Registry;
  readonly url: string;
}

export interface CommandOptions {
  readonly mode: RunMode;
  readonly json: boolean;
  readonly status: boolean;
  readonly to: number | undefined;
  readonly lockTimeoutMs: number;
  /** PostgreSQL: the schema each plane owns (default `public`). */
  readonly schema: string | undefined;
  /** PostgreSQL lock and connection bounds (--ddl-lock-timeout, --lock-retries, --concurrent-lock-timeout, --wait); unset: the engine's defaults. */
  readonly postgres?: Pick<DialectOptions, 'ddlLockTimeoutMs' | 'lockRetries' | 'concurrentLockTimeoutMs' | 'connectWaitMs'>;
}

class UsageError extends Error {}

const USAGE = `Usage: atlas-migrate --url <url> --dir <folder> [--label NAME] [--dry-run] [--json] [--to <version>] [--lock-timeout <seconds>] [--schema NAME] [--status]
       atlas-migrate lint <files or folders> [--json] [--strict]   (see atlas-migrate lint --help)

  --url           postgres://…, postgresql://…, sqlite:<path>, file:<path> or a SQLite file path
  --dir           folder of <version>_<name>[.postgres|.sqlite].sql files
  --label         plane name shown as [NAME] and used for the lock (default: the folder's name)
  --dry-run       report what would be applied; change nothing
  --json          print one JSON document instead of text
  --to            apply pending migrations up to and including this version
  --lock-timeout  seconds to wait for another run of the same plane (default ${DEFAULT_LOCK_TIMEOUT_MS / 1000})
  --schema        PostgreSQL: the schema the plane owns, where schema_migrations lives and every migration
                  starts with search_path set to it alone (default public; created if missing)
  --status        list every migration with its state (applied, pending, changed, unknown)
  --ddl-lock-timeout <seconds>         PostgreSQL: lock_timeout of migration statements (default 5)
  --lock-retries <n>                   PostgreSQL: retries of a migration that could not get its locks (default 5)
  --concurrent-lock-timeout <seconds>  PostgreSQL: lock_timeout of CONCURRENTLY statements (default 600)
  --wait <seconds>                     PostgreSQL: keep trying an unreachable database this long (default 30)

Exit codes: 0 success, 1 a migration failed, 2 bad usage or configuration (a transaction-pooling URL included),
3 the lock wait timed out.
`;

const COMMON_FLAGS = {
  'dry-run': { type: 'boolean' },
  json: { type: 'boolean' },
  status: { type: 'boolean' },
  to: { type: 'string' },
  'lock-timeout': { type: 'string' },
  schema: { type: 'string' },
  'ddl-lock-timeout': { type: 'string' },
  'lock-retries': { type: 'string' },
  'concurrent-lock-timeout': { type: 'string' },
  wait: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function positiveInteger(flag: string, raw: string): number {
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw new UsageError(`--${flag} takes a whole number, got "${raw}"`);
  return Number(raw);
}

const SCHEMA_PATTERN = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

type PostgresFlags = { 'ddl-lock-timeout'?: string; 'lock-retries'?: string; 'concurrent-lock-timeout'?: string; wait?: string };

/** The PostgreSQL bounds given on the command line; the engine's defaults for the rest. */
function postgresOptions(values: PostgresFlags): NonNullable<CommandOptions['postgres']> {
  const seconds = (flag: keyof PostgresFlags) => (values[flag] === undefined ? undefined : positiveInteger(flag, values[flag]!) * 1000);
  const options = {
    ddlLockTimeoutMs: seconds('ddl-lock-timeout'),
    lockRetries: values['lock-retries'] === undefined ? undefined : positiveInteger('lock-retries', values['lock-retries']),
    concurrentLockTimeoutMs: seconds('concurrent-lock-timeout'),
    connectWaitMs: seconds('wait'),
  };
  if (options.ddlLockTimeoutMs === 0) throw new UsageError('--ddl-lock-timeout must be at least 1 second (0 would let DDL wait forever)');
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}

function commandOptions(values: { 'dry-run'?: boolean; json?: boolean; status?: boolean; to?: string; 'lock-timeout'?: string; schema?: string } & PostgresFlags): CommandOptions {
  if (values.status && values['dry-run']) throw new UsageError('--status and --dry-run cannot be combined');
  if (values.schema !== undefined && !SCHEMA_PATTERN.test(values.schema)) throw new UsageError(`--schema takes a schema name ([A-Za-z_][A-Za-z0-9_$]*), got "${values.schema}"`);
  return {
    mode: values['dry-run'] ? 'dry-run' : 'apply',
    json: values.json ?? false,
    status: values.status ?? false,
    to: values.to === undefined ? undefined : positiveInteger('to', values.to),
    lockTimeoutMs: values['lock-timeout'] === undefined ? DEFAULT_LOCK_TIMEOUT_MS : positiveInteger('lock-timeout', values['lock-timeout']) * 1000,
    schema: values.schema,
    postgres: postgresOptions(values),
  };
}


const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** Progress narration on stderr at the level of `ATLAS_LOG` (debug, info, warn, error); none by default, the report says it all. */
function stderrLogger(io: CliIo, redact: (text: string) => string): Logger {
  const wanted = io.env.ATLAS_LOG ?? 'silent';
  const threshold = wanted === 'silent' ? LEVELS.length : Math.max(0, LEVELS.indexOf(wanted as (typeof LEVELS)[number]));
  const log = (level: (typeof LEVELS)[number]) => (message: string, fields?: Record<string, unknown>) => {
    if (LEVELS.indexOf(level) < threshold) return;
    io.stderr.write(redact(`atlas-migrate ${level}: ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`));
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

function exitCodeOf(planes: readonly PlaneReport[]): number {
  const failures = planes.filter((p) => !p.ok);
  if (failures.length === 0) return EXIT.ok;
  // A transaction-pooling URL is configuration: the fix is another URL, not another run.
  if (failures.some((p) => p.error?.code === 'CONFIG_INVALID' || p.error?.code === 'REGISTRY_INVALID' || p.error?.code === 'TRANSACTION_POOLER')) return EXIT.usage;
  if (failures.every((p) => p.error?.code === 'LOCK_TIMEOUT')) return EXIT.lockTimeout;
  return EXIT.failed;
}

/**
 * Runs (or, with `status`, inspects) each plane in order and prints the operator guide's output or
 * one JSON document. A failed plane does not stop the next. Returns the exit code.
 */
export async function runPlanesCommand(planes: readonly PlaneTarget[], options: CommandOptions, io: CliIo): Promise<number> {
  let targets: DatabaseTarget[];
  try {
    targets = planes.map((p) => parseDatabaseUrl(p.url));
  } catch (error) {
    io.stderr.write(`atlas-migrate: ${redactUrl(messageOf(error))}\n`);
    return EXIT.usage;
  }
  // Targets are already redacted; this also catches a URL that a driver's message might quote, and,
  // last, any spelling of a known password wherever it came from.
  const secrets = targets.flatMap((t) => t.secrets);
  const redact = (text: string) => scrubSecrets(redactUrl(text), secrets);
  const out = (lines: string[]) => io.stdout.write(redact(lines.map((l) => `${l}\n`).join('')));
  const logger = stderrLogger(io, redact);
  const dialectOptions: DialectOptions = { ...options.postgres, ...(options.schema === undefined ? {} : { schema: options.schema }) };
  const dialects = await Promise.all(targets.map((t) => createDialect(t, logger, dialectOptions)));

  if (options.status) {
    const statuses: PlaneStatus[] = [];
    for (const [i, plane] of planes.entries()) statuses.push(await inspectMigrations({ registry: plane.registry, dialect: dialects[i]! }));
    const ok = statuses.every((s) => s.ok && s.entries.every((e) => e.state !== 'changed'));
    if (options.json) out([JSON.stringify({ ok, planes: statuses }, null, 2)]);
    else out(renderStatus(statuses));
    return ok ? EXIT.ok : EXIT.failed;
  }

  if (!options.json) out(renderHeader(options.mode));
  const reports: PlaneReport[] = [];
  for (const [i, plane] of planes.entries()) {
    const report = await runMigrations({
      registry: plane.registry,
      dialect: dialects[i]!,
      mode: options.mode,
      logger,
      lockTimeoutMs: options.lockTimeoutMs,
      ...(options.to === undefined ? {} : { to: options.to }),
    });
    reports.push(report);
    if (!options.json) out(renderPlane(report));
  }
  const report: MigrationReport = { ok: reports.every((r) => r.ok), mode: options.mode, planes: reports };
  out(options.json ? [JSON.stringify(reportToJson(report), null, 2)] : renderFooter(report));
  return exitCodeOf(reports);
}

/** Parses the flags shared by every migrate command plus `extra`; throws a usage error on anything else. */
export function parseCommand(argv: readonly string[], extra: NonNullable<ParseArgsConfig['options']>) {
  try {
    const { values } = parseArgs({ args: [...argv], options: { ...COMMON_FLAGS, ...extra }, strict: true, allowPositionals: false });
    return { values: values as Record<string, string | boolean | undefined>, options: commandOptions(values as Parameters<typeof commandOptions>[0]) };
  } catch (error) {
    throw new UsageError(messageOf(error));
  }
}

/** Prints a usage or configuration error and returns exit code 2; rethrows anything else. */
export function usageFailure(error: unknown, io: CliIo, usage: string): number {
  if (error instanceof UsageError || (isMigratorError(error) && (error.code === 'CONFIG_INVALID' || error.code === 'REGISTRY_INVALID'))) {
    io.stderr.write(`atlas-migrate: ${redactUrl(messageOf(error))}\n${error instanceof UsageError ? `\n${usage}` : ''}`);
    return EXIT.usage;
  }
  throw error;
}

/** A plane as the operator commands know it: its registry, the variable naming its URL, its default SQLite file. */
export interface PlaneDefinition {
  readonly registry: Registry;
  readonly urlVariable: string;
  readonly sqliteFile: string;
}

const PLANES_USAGE = (planes: readonly PlaneDefinition[]) => `Usage: npm run migrate:versioned [-- --plane ${planes.map((p) => p.registry.plane).join('|')}] [--dry-run] [--json] [--to <version>] [--lock-timeout <seconds>] [--schema NAME] [--status]

${planes.map((p) => `  ${p.urlVariable.padEnd(28)}default: sqlite:data/${p.sqliteFile}`).join('\n')}

Runs the planes in this order; a failed plane does not stop the next.
Exit codes: 0 success, 1 a migration failed, 2 bad usage or configuration, 3 the lock wait timed out.
`;

/**
 * The operator commands over several planes: `--plane NAME` picks one, each plane's URL comes from its
 * variable, and a plane without one uses its SQLite file in `dataDir` (created as needed).
 */
export async function runPlanesMain(planes: readonly PlaneDefinition[], argv: readonly string[], io: CliIo, dataDir: string): Promise<number> {
  const usage = PLANES_USAGE(planes);
  let targets: PlaneTarget[];
  let options: CommandOptions;
  try {
    const parsed = parseCommand(argv, { plane: { type: 'string' } });
    if (parsed.values.help) {
      io.stdout.write(usage);
      return EXIT.ok;
    }
    const wanted = parsed.values.plane;
    const selected = planes.filter((p) => wanted === undefined || p.registry.plane === wanted);
    if (selected.length === 0) throw new UsageError(`--plane must be one of ${planes.map((p) => p.registry.plane).join(', ')}, got "${String(wanted)}"`);
    targets = selected.map((p) => ({ registry: p.registry, url: io.env[p.urlVariable]?.trim() || `sqlite:${join(dataDir, p.sqliteFile)}` }));
    options = parsed.options;
  } catch (error) {
    return usageFailure(error, io, usage);
  }
  return runPlanesCommand(targets, options, io);
}

/** The `atlas-migrate` command: one folder of migrations against one database. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv[0] === 'lint') return lintCommand(argv.slice(1), io);
  let planes: PlaneTarget[];
  let options: CommandOptions;
  try {
    const parsed = parseCommand(argv, { url: { type: 'string' }, dir: { type: 'string' }, label: { type: 'string' } });
    if (parsed.values.help) {
      io.stdout.write(USAGE);
      return EXIT.ok;
    }
    const { url, dir, label } = parsed.values as { url?: string; dir?: string; label?: string };
    if (!url) throw new UsageError('--url is required');
    if (!dir) throw new UsageError('--dir is required');
    const plane = (label ?? basename(dir.replace(/[/\\]+$/, ''))).toLowerCase();
    planes = [{ registry: await loadRegistryFromDir(dir, { plane }), url }];
    options = parsed.options;
  } catch (error) {
    return usageFailure(error, io, USAGE);
  }
  return runPlanesCommand(planes, options, io);
}
