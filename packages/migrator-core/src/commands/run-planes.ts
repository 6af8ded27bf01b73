import { createDialect, type DialectOptions } from '../dialects/index.js';
import { messageOf } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Registry } from '../registry.js';
import { renderFooter, renderHeader, renderPlane, renderStatus } from '../render-report.js';
import { reportToJson, type MigrationReport, type PlaneReport, type RunMode } from '../report.js';
import { runMigrations } from '../runner.js';
import { inspectMigrations, statusDocument, type PlaneStatus } from '../status.js';
import { parseDatabaseUrl, redactUrl, scrubSecrets, type DatabaseTarget } from '../target.js';
import { EXIT, exitCodeOf, lineWriter, usageFailure, type CliIo } from './io.js';
import { cliLogger, logLevel } from './logging.js';
import { renderPlanSql } from './plan-sql.js';
import { progressPrinter } from './progress.js';

/** A plane to migrate: its registry and the URL of its database. */
export interface PlaneTarget {
  readonly registry: Registry;
  readonly url: string;
}

/** `up` applies, `plan` is the dry run, `status` lists every migration's state. */
export type PlanesCommand = 'up' | 'plan' | 'status';

export interface CommandOptions {
  readonly command: PlanesCommand;
  readonly json: boolean;
  readonly to: number | undefined;
  readonly lockTimeoutMs: number;
  /** PostgreSQL: the schema each plane owns (default `public`). */
  readonly schema: string | undefined;
  /** status: exit 1 when anything is pending, changed or unverifiable (a CI gate). */
  readonly exitCode: boolean;
  /** plan: print the statements that would run. */
  readonly sql: boolean;
  /** up: how often a long statement reports that it still runs (default 10 s). */
  readonly heartbeatMs?: number;
  /** PostgreSQL lock and connection bounds (--ddl-lock-timeout, --lock-retries, --concurrent-lock-timeout, --wait); unset: the engine's defaults. */
  readonly postgres?: PostgresBounds;
}

export type PostgresBounds = Pick<DialectOptions, 'ddlLockTimeoutMs' | 'lockRetries' | 'concurrentLockTimeoutMs' | 'connectWaitMs'>;

/** The options every dialect of a command is made with. */
export function dialectOptions(options: Pick<CommandOptions, 'schema' | 'postgres'>): DialectOptions {
  return { ...options.postgres, ...(options.schema === undefined ? {} : { schema: options.schema }) };
}

/** Structural redaction of URLs, then every spelling of the targets' passwords: the last line of defence. */
export function redactorOf(targets: readonly DatabaseTarget[]): (text: string) => string {
  const secrets = targets.flatMap((t) => t.secrets);
  return (text) => scrubSecrets(redactUrl(text), secrets);
}

function historyTable(target: DatabaseTarget, schema: string | undefined): string {
  return target.kind === 'postgres' ? `"${(schema ?? 'public').replace(/"/g, '""')}".schema_migrations` : 'schema_migrations';
}

async function statusCommand(planes: readonly PlaneTarget[], targets: readonly DatabaseTarget[], options: CommandOptions, io: CliIo, logger: Logger): Promise<number> {
  const out = lineWriter(io.stdout, redactorOf(targets));
  const statuses: PlaneStatus[] = [];
  for (const [i, plane] of planes.entries()) {
    const dialect = await createDialect(targets[i]!, logger, dialectOptions(options));
    statuses.push(await inspectMigrations({ registry: plane.registry, dialect, drift: true }));
  }
  const document = statusDocument(statuses);
  if (options.json) out([JSON.stringify(document, null, 2)]);
  else out(renderStatus(statuses));
  if (!document.ok || (options.exitCode && !document.upToDate)) return EXIT.failed;
  return EXIT.ok;
}

/**
 * Runs (or plans, or inspects) each plane in order and prints the operator guide's output or one JSON
 * document. A failed plane does not stop the next. Progress is live: on the terminal, or on stderr
 * when stdout is piped. Returns the exit code.
 */
export async function runPlanesCommand(planes: readonly PlaneTarget[], options: CommandOptions, io: CliIo): Promise<number> {
  let targets: DatabaseTarget[];
  let logger: Logger;
  let redact: (text: string) => string;
  try {
    targets = planes.map((p) => parseDatabaseUrl(p.url));
    redact = redactorOf(targets);
    logger = await cliLogger(io, logLevel(io.env), redact);
  } catch (error) {
    return usageFailure(error, io);
  }
  if (options.command === 'status') return statusCommand(planes, targets, options, io, logger);

  const mode: RunMode = options.command === 'plan' ? 'dry-run' : 'apply';
  const out = lineWriter(io.stdout, redact);
  const progress = progressPrinter(io, options.json, redact);
  if (!options.json) out(renderHeader(mode));
  const reports: PlaneReport[] = [];
  for (const [i, plane] of planes.entries()) {
    let report: PlaneReport;
    try {
      const dialect = await createDialect(targets[i]!, logger, dialectOptions(options));
      report = await runMigrations({
        registry: plane.registry,
        dialect,
        mode,
        logger,
        lockTimeoutMs: options.lockTimeoutMs,
        onProgress: progress.onProgress,
        ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
        ...(options.to === undefined ? {} : { to: options.to }),
      });
    } catch (error) {
      // A missing driver: nothing could be tried on this plane, the next one still is.
      io.stderr.write(`atlas-migrate: ${redact(messageOf(error))}\n`);
      return EXIT.usage;
    }
    reports.push(report);
    if (options.json) continue;
    // Live on the terminal, "Connecting…" and "Connected." were printed as they happened.
    const lines = renderPlane(report);
    out(progress.live ? lines.slice(report.connected ? 2 : 1) : lines);
    if (options.sql) out(renderPlanSql(report, historyTable(targets[i]!, options.schema)));
  }
  const report: MigrationReport = { ok: reports.every((r) => r.ok), mode, planes: reports };
  out(options.json ? [JSON.stringify(reportToJson(report), null, 2)] : renderFooter(report));
  return exitCodeOf(reports);
}
