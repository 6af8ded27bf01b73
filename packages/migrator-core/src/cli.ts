import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { EXIT, UsageError, lineWriter, usageFailure, type CliIo } from './commands/io.js';
import { cliLogger, logLevel } from './commands/logging.js';
import { dialectOptions, runPlanesCommand, type CommandOptions, type PlaneTarget, type PlanesCommand, type PostgresBounds } from './commands/run-planes.js';
import { createDialect } from './dialects/index.js';
import type { RecoveryReport } from './recovery.js';
import type { SqlVariant } from './migration.js';
import { loadRegistryFromDir, readRegistryManifest, type Registry } from './registry.js';
import { DEFAULT_LOCK_TIMEOUT_MS } from './runner.js';
import { parseDatabaseUrl, redactUrl } from './target.js';

export { EXIT, processIo, usageFailure, type CliIo } from './commands/io.js';
export { runPlanesCommand, type CommandOptions, type PlaneTarget, type PlanesCommand } from './commands/run-planes.js';

declare const __ATLAS_VERSION__: string;

const EXIT_CODES = 'Exit codes: 0 success, 1 a migration failed (status --exit-code: something pending or changed), 2 bad usage or configuration, 3 the lock wait timed out.';
const SCHEMA_PATTERN = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

function wholeNumber(flag: string) {
  return (raw: string): number => {
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw new InvalidArgumentError(`${flag} takes a whole number, got "${raw}"`);
    return Number(raw);
  };
}

function schemaName(raw: string): string {
  if (!SCHEMA_PATTERN.test(raw)) throw new InvalidArgumentError(`--schema takes a schema name ([A-Za-z_][A-Za-z0-9_$]*), got "${raw}"`);
  return raw;
}

interface DatabaseFlags {
  url?: string;
  dir: string;
  label?: string;
  schema?: string;
  lockTimeout?: number;
  json?: boolean;
  ddlLockTimeout?: number;
  lockRetries?: number;
  concurrentLockTimeout?: number;
  wait?: number;
}

/** The PostgreSQL bounds given on the command line; the engine's defaults for the rest. */
function postgresBounds(flags: Pick<DatabaseFlags, 'ddlLockTimeout' | 'lockRetries' | 'concurrentLockTimeout' | 'wait'>): PostgresBounds {
  if (flags.ddlLockTimeout === 0) throw new UsageError('--ddl-lock-timeout must be at least 1 second (0 would let DDL wait forever)');
  const bounds = {
    ddlLockTimeoutMs: flags.ddlLockTimeout === undefined ? undefined : flags.ddlLockTimeout * 1000,
    lockRetries: flags.lockRetries,
    concurrentLockTimeoutMs: flags.concurrentLockTimeout === undefined ? undefined : flags.concurrentLockTimeout * 1000,
    connectWaitMs: flags.wait === undefined ? undefined : flags.wait * 1000,
  };
  return Object.fromEntries(Object.entries(bounds).filter(([, v]) => v !== undefined));
}

/** The flags every command that opens a database shares. */
function withDatabaseFlags(command: Command): Command {
  return command
    .option('--url <url>', 'postgres://…, postgresql://…, sqlite:<path>, file:<path> or a SQLite file path (default: $DATABASE_URL)')
    .requiredOption('--dir <folder>', 'folder of <version>_<name>[.postgres|.sqlite].sql files')
    .option('--label <name>', "plane name shown as [NAME] and used for the lock (default: the registry's plane for a registry's sql/ folder, else the folder's name)")
    .option('--schema <name>', 'PostgreSQL: the schema the plane owns (default public)', schemaName)
    .option('--lock-timeout <seconds>', `seconds to wait for another run of the same plane (default ${DEFAULT_LOCK_TIMEOUT_MS / 1000})`, wholeNumber('--lock-timeout'))
    .option('--ddl-lock-timeout <seconds>', 'PostgreSQL: lock_timeout of migration statements (default 5)', wholeNumber('--ddl-lock-timeout'))
    .option('--lock-retries <n>', 'PostgreSQL: retries of a migration that could not get its locks (default 5)', wholeNumber('--lock-retries'))
    .option('--concurrent-lock-timeout <seconds>', 'PostgreSQL: lock_timeout of CONCURRENTLY statements (default 600)', wholeNumber('--concurrent-lock-timeout'))
    .option('--wait <seconds>', 'PostgreSQL: keep trying an unreachable database this long (default 30)', wholeNumber('--wait'))
    .option('--json', 'print one JSON document instead of text');
}

/** The URL: `--url`, else `DATABASE_URL`. A password on the command line works, with a warning. */
function databaseUrl(flags: DatabaseFlags, io: CliIo): string {
  const url = flags.url ?? io.env.DATABASE_URL?.trim();
  if (!url) throw new UsageError('No database: pass --url or set DATABASE_URL');
  parseDatabaseUrl(url);
  if (flags.url !== undefined && redactUrl(flags.url) !== flags.url) {
    io.stderr.write('atlas-migrate: warning: the --url carries a password, visible in the process list and shell history; set DATABASE_URL instead\n');
  }
  return url;
}

/** The dialect the database URL names; undefined when it names none (`databaseUrl` reports that, after the folder). */
function sqlVariantOf(flags: DatabaseFlags, io: CliIo): SqlVariant | undefined {
  const url = flags.url ?? io.env.DATABASE_URL?.trim();
  try {
    return url ? parseDatabaseUrl(url).kind : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The registry of `--dir`: its plane and range from the registry package's manifest, or the folder's
 * name. Only the files of the database's dialect are read (and any shared `.sql` file).
 */
async function folderRegistry(flags: DatabaseFlags, io: CliIo): Promise<Registry> {
  const manifest = await readRegistryManifest(flags.dir);
  const plane = (flags.label ?? manifest?.plane ?? basename(flags.dir.replace(/[/\\]+$/, ''))).toLowerCase();
  const sqlVariant = sqlVariantOf(flags, io);
  return loadRegistryFromDir(flags.dir, { plane, ...(manifest ? { range: manifest.range } : {}), ...(sqlVariant ? { sqlVariant } : {}) });
}

function planesOptions(command: PlanesCommand, flags: DatabaseFlags & { to?: number; exitCode?: boolean; sql?: boolean; heartbeat?: number }): CommandOptions {
  return {
    command,
    ...(flags.heartbeat === undefined ? {} : { heartbeatMs: Math.max(1, flags.heartbeat) * 1000 }),
    json: flags.json ?? false,
    to: flags.to,
    lockTimeoutMs: (flags.lockTimeout ?? DEFAULT_LOCK_TIMEOUT_MS / 1000) * 1000,
    schema: flags.schema,
    exitCode: flags.exitCode ?? false,
    sql: flags.sql ?? false,
    postgres: postgresBounds(flags),
  };
}

function printRecovery(report: RecoveryReport, io: CliIo, json: boolean): number {
  const tag = `[${report.plane.toUpperCase()}]`;
  if (json) io.stdout.write(`${redactUrl(JSON.stringify(report, null, 2))}\n`);
  else if (report.error) lineWriter(io.stdout)([`${tag} ${report.target}`, `${tag} Error: ${report.error.code}: ${report.error.message}`]);
  else lineWriter(io.stdout)([`${tag} ${report.target}`, ...report.changes.map((c) => `${tag} ${c}`)]);
  if (report.ok) return EXIT.ok;
  return report.error?.code === 'LOCK_TIMEOUT' ? EXIT.lockTimeout : EXIT.failed;
}

/** The `atlas-migrate` program; each action stores its exit code in `result`. */
function program(io: CliIo, result: { code: number }): Command {
  const root = new Command('atlas-migrate')
    .description('Versioned, forward-only migrations for PostgreSQL and SQLite.')
    .version(__ATLAS_VERSION__, '-V, --version')
    .addHelpText('after', `\nWith no command, "up" runs. --dry-run and --status still work as aliases of plan and status.\nATLAS_LOG=silent|error|warn|info|debug adds NDJSON log lines on stderr.\n${EXIT_CODES}`)
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(redactUrl(s)),
      outputError: (s, write) => write(s.replace(/^error: /, 'atlas-migrate: ')),
    })
    .exitOverride()
    // The program's own options only before a command, so that `repair --version V` is repair's.
    .enablePositionalOptions()
    .showSuggestionAfterError(true);

  const run = (command: PlanesCommand) => async (flags: DatabaseFlags & { to?: number; exitCode?: boolean; sql?: boolean; heartbeat?: number; dryRun?: boolean; status?: boolean }) => {
    if (flags.dryRun && flags.status) throw new UsageError('--status and --dry-run cannot be combined');
    const actual: PlanesCommand = flags.status ? 'status' : flags.dryRun ? 'plan' : command;
    const planes: PlaneTarget[] = [{ registry: await folderRegistry(flags, io), url: databaseUrl(flags, io) }];
    result.code = await runPlanesCommand(planes, planesOptions(actual, flags), io);
  };

  withDatabaseFlags(root.command('up').description('apply pending migrations (the default)'))
    .option('--to <version>', 'apply pending migrations up to and including this version', wholeNumber('--to'))
    .option('--heartbeat <seconds>', 'how often a long statement reports that it still runs (default 10)', wholeNumber('--heartbeat'))
    .addOption(new Option('--dry-run', 'same as the plan command').hideHelp())
    .addOption(new Option('--status', 'same as the status command').hideHelp())
    .action(run('up'));
  withDatabaseFlags(root.command('plan').description('what up would do, changing nothing; every pending migration is parsed (exit 1 on a syntax error)'))
    .option('--to <version>', 'plan up to and including this version', wholeNumber('--to'))
    .option('--sql', 'print the statements that would run, in order, with transaction boundaries and history writes')
    .action(run('plan'));
  withDatabaseFlags(root.command('status').description('every migration with its state: applied, pending, changed, unverified, unknown'))
    .option('--exit-code', 'exit 1 when anything is pending, changed or unverified (a CI gate); 0 when up to date')
    .action(run('status'));
  root
    .command('new')
    .description("create the next free version in the plane's range, as a .postgres.sql + .sqlite.sql pair")
    .argument('<name>', 'snake_case name, e.g. add_invoice_credit_notes')
    .requiredOption('--dir <folder>', 'the migration folder (a registry\'s sql/ folder takes its range from the package)')
    .action(async (name: string, flags: { dir: string }) => {
      const manifest = await readRegistryManifest(flags.dir);
      const { newMigration } = await import('./commands/new-migration.js');
      const files = await newMigration(flags.dir, name, manifest?.range ?? { min: 1, max: Number.MAX_SAFE_INTEGER });
      lineWriter(io.stdout)(files.map((f) => `Created ${f}`));
      result.code = EXIT.ok;
    });

  const recovery = async (flags: DatabaseFlags, work: (registry: Registry, dialectUrl: string) => Promise<RecoveryReport>) => {
    const registry = await folderRegistry(flags, io);
    result.code = printRecovery(await work(registry, databaseUrl(flags, io)), io, flags.json ?? false);
  };
  const dialectOf = async (url: string, flags: DatabaseFlags) =>
    createDialect(url, await cliLogger(io, logLevel(io.env)), dialectOptions({ schema: flags.schema, postgres: postgresBounds(flags) }));
  // baseline and repair are rare: their module is loaded only for them.
  const recoveryModule = () => import('./recovery.js');
  withDatabaseFlags(root.command('baseline').description('record the migrations up to --to as applied without running them (outcome baselined), for a database made by other means'))
    .requiredOption('--to <version>', 'the last version the database already has', wholeNumber('--to'))
    .option('--reason <text>', 'kept in schema_migrations_audit')
    .action(async (flags: DatabaseFlags & { to: number; reason?: string }) =>
      recovery(flags, async (registry, url) =>
        (await recoveryModule()).baselineMigrations({ registry, dialect: await dialectOf(url, flags), logger: await cliLogger(io, logLevel(io.env)), to: flags.to, lockTimeoutMs: (flags.lockTimeout ?? 60) * 1000, ...(flags.reason ? { reason: flags.reason } : {}) }),
      ),
    );
  withDatabaseFlags(root.command('repair').description("re-record an applied migration's checksum after a deliberate edit, with the reason, in schema_migrations_audit"))
    .requiredOption('--version <version>', 'the applied migration whose file changed', wholeNumber('--version'))
    .requiredOption('--reason <text>', 'why the file changed (kept with the old and new checksum)')
    .action(async (flags: DatabaseFlags & { version: number; reason: string }) =>
      recovery(flags, async (registry, url) =>
        (await recoveryModule()).repairChecksum({ registry, dialect: await dialectOf(url, flags), logger: await cliLogger(io, logLevel(io.env)), version: flags.version, reason: flags.reason, lockTimeoutMs: (flags.lockTimeout ?? 60) * 1000 }),
      ),
    );
  // Listed for help; `lint` and `verify` parse their own arguments (main hands them over before commander).
  root.command('lint').description('check migration files against the additive-only contract (see lint --help)');
  root.command('verify').description('compare the database with the schema snapshot of what it applied, read-only (see verify --help)');
  return root;
}

/** The `atlas-migrate` command. Returns the exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  // Each command loads only what it needs: lint and verify (and the parser they use) are never loaded for up.
  if (argv[0] === 'lint') return (await import('./lint/lint-command.js')).lintCommand(argv.slice(1), io);
  if (argv[0] === 'verify') return (await import('./schema/verify-command.js')).verifyCommand(argv.slice(1), io);
  // No command (or only flags, as before subcommands): "up".
  const args = argv.length === 0 || argv[0]!.startsWith('-') ? (argv.some((a) => a === '-h' || a === '--help' || a === '-V' || a === '--version') ? [...argv] : ['up', ...argv]) : [...argv];
  const result = { code: EXIT.ok };
  try {
    await program(io, result).parseAsync(args, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (error instanceof UsageError) {
      io.stderr.write(`atlas-migrate: ${redactUrl(error.message)}\n(atlas-migrate --help for usage)\n`);
      return EXIT.usage;
    }
    return usageFailure(error, io);
  }
  return result.code;
}

/** A plane as the operator commands know it: its registry, the variable naming its URL, its default SQLite file. */
export interface PlaneDefinition {
  readonly registry: Registry;
  readonly urlVariable: string;
  readonly sqliteFile: string;
}

const PLANES_USAGE = (planes: readonly PlaneDefinition[]) => `Usage: npm run migrate:versioned [-- --plane ${planes.map((p) => p.registry.plane).join('|')}] [--dry-run] [--sql] [--json] [--to <version>] [--lock-timeout <seconds>] [--schema NAME] [--status [--exit-code]]
       PostgreSQL: [--ddl-lock-timeout <seconds>] [--lock-retries <n>] [--concurrent-lock-timeout <seconds>] [--wait <seconds>]

${planes.map((p) => `  ${p.urlVariable.padEnd(28)}default: sqlite:data/${p.sqliteFile}`).join('\n')}

Runs the planes in this order; a failed plane does not stop the next.
${EXIT_CODES}
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
    const { values } = parseArgs({
      args: [...argv],
      options: {
        plane: { type: 'string' },
        'dry-run': { type: 'boolean' },
        status: { type: 'boolean' },
        'exit-code': { type: 'boolean' },
        sql: { type: 'boolean' },
        json: { type: 'boolean' },
        to: { type: 'string' },
        'lock-timeout': { type: 'string' },
        schema: { type: 'string' },
        'ddl-lock-timeout': { type: 'string' },
        'lock-retries': { type: 'string' },
        'concurrent-lock-timeout': { type: 'string' },
        wait: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      io.stdout.write(usage);
      return EXIT.ok;
    }
    if (values.status && values['dry-run']) throw new UsageError('--status and --dry-run cannot be combined');
    const selected = planes.filter((p) => values.plane === undefined || p.registry.plane === values.plane);
    if (selected.length === 0) throw new UsageError(`--plane must be one of ${planes.map((p) => p.registry.plane).join(', ')}, got "${String(values.plane)}"`);
    const number = (flag: string, raw: string | undefined) => {
      try {
        return raw === undefined ? undefined : wholeNumber(flag)(raw);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
    };
    if (values.schema !== undefined && !SCHEMA_PATTERN.test(values.schema)) throw new UsageError(`--schema takes a schema name ([A-Za-z_][A-Za-z0-9_$]*), got "${values.schema}"`);
    targets = selected.map((p) => ({ registry: p.registry, url: io.env[p.urlVariable]?.trim() || `sqlite:${join(dataDir, p.sqliteFile)}` }));
    options = {
      command: values.status ? 'status' : values['dry-run'] ? 'plan' : 'up',
      json: values.json ?? false,
      to: number('--to', values.to),
      lockTimeoutMs: (number('--lock-timeout', values['lock-timeout']) ?? DEFAULT_LOCK_TIMEOUT_MS / 1000) * 1000,
      schema: values.schema,
      exitCode: values['exit-code'] ?? false,
      sql: values.sql ?? false,
      postgres: postgresBounds({
        ddlLockTimeout: number('--ddl-lock-timeout', values['ddl-lock-timeout']),
        lockRetries: number('--lock-retries', values['lock-retries']),
        concurrentLockTimeout: number('--concurrent-lock-timeout', values['concurrent-lock-timeout']),
        wait: number('--wait', values.wait),
      }),
    };
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`atlas-migrate: ${redactUrl((error as Error).message)}\n\n${usage}`);
      return EXIT.usage;
    }
    throw error;
  }
  return runPlanesCommand(targets, options, io);
}
