import type { Dialect } from '../dialect.js';
import type { Logger } from '../logger.js';
import type { RecoveryReport } from '../recovery.js';
import type { Registry } from '../registry.js';
import { RECOVERY_SCHEMA_VERSION } from '../report.js';
import { redactUrl } from '../dialects/target.js';
import { EXIT, UsageError, lineWriter, type CliIo } from './io.js';
import { dialectOptions, type LockFlags } from './options.js';
import type { CommandContext } from './program.js';

/** What baseline and repair hand to the engine: the plane's registry, its database, a logger. */
export interface RecoveryInput {
  readonly registry: Registry;
  readonly dialect: Dialect;
  readonly logger: Logger;
  readonly recovery: typeof import('../recovery.js');
}

function printRecovery(report: RecoveryReport, io: CliIo, json: boolean): number {
  const tag = `[${report.plane.toUpperCase()}]`;
  if (json) io.stdout.write(`${redactUrl(JSON.stringify({ schemaVersion: RECOVERY_SCHEMA_VERSION, ...report }, null, 2))}\n`);
  else if (report.error) lineWriter(io.stdout)([`${tag} ${report.target}`, `${tag} Error: ${report.error.code}: ${report.error.message}`]);
  else lineWriter(io.stdout)([`${tag} ${report.target}`, ...report.changes.map((c) => `${tag} ${c}`)]);
  if (report.ok) return EXIT.ok;
  return report.error?.code === 'LOCK_TIMEOUT' ? EXIT.lockTimeout : EXIT.failed;
}

/** `baseline` and `repair`: one plane, under its migration lock; their module is loaded only for them (they are rare). */
export async function runRecovery(flags: LockFlags, context: CommandContext, work: (input: RecoveryInput) => Promise<RecoveryReport>): Promise<void> {
  const { io } = context;
  const planes = await context.targets.resolve({ ...flags }, io, 'none');
  if (planes.length !== 1) throw new UsageError('baseline and repair work on one plane at a time: name it');
  const [{ createDialect }, recovery, { cliLogger, logLevel }] = await Promise.all([
    import('../dialects/index.js'),
    import('../recovery.js'),
    import('./logging.js'),
  ]);
  const logger = await cliLogger(io, logLevel(io.env));
  const dialect = await createDialect(planes[0]!.url, logger, dialectOptions(flags));
  context.exitCode = printRecovery(await work({ registry: planes[0]!.registry, dialect, logger, recovery }), io, flags.json ?? false);
}
