import { createDialect, historyTableName, type DialectOptions } from '../dialects/index.js';
import type { Logger } from '../logger.js';
import { renderFooter, renderHeader, renderPlane, renderStatus } from '../render-report.js';
import { reportToJson, toPlaneError, type MigrationReport, type PlaneReport, type RunMode } from '../report.js';
import { runMigrations } from '../runner.js';
import { inspectMigrations, statusDocument, type PlaneStatus } from '../status.js';
import { parseDatabaseUrl, type DatabaseTarget } from '../dialects/target.js';
import { EXIT, exitCodeOf, lineWriter, redactorOf, usageFailure, type CliIo } from './io.js';
import { cliLogger, logLevel } from './logging.js';
import type { PostgresBounds } from './options.js';
import { lintBeforeApply } from './lint-pending.js';
import { renderPlanSql } from '../dialects/plan-sql.js';
import { progressPrinter } from './progress.js';
import { writeTargetLine } from './target-line.js';
import type { PlaneTarget } from './targets.js';

/** `up` applies, `plan` is the dry run, `status` lists every migration's state. */
export type PlanesCommand = 'up' | 'plan' | 'status';

export interface CommandOptions {
  readonly command: PlanesCommand;
  readonly json: boolean;
  readonly to: number | undefined;
  /** Unset: the engine's default (60 s). */
  readonly lockTimeoutMs?: number;
  /** up: false runs each migration in its own transaction (RunOptions.batch). */
  readonly batch?: boolean;
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

/** The options every dialect of a command is made with. */
function dialectOptions(options: Pick<CommandOptions, 'schema' | 'postgres'>): DialectOptions {
  return { ...options.postgres, ...(options.schema === undefined ? {} : { schema: options.schema }) };
}

/** The report of a plane whose run could not start (its driver is not installed): nothing was tried. */
function unconnected(plane: string, target: DatabaseTarget, mode: RunMode, error: unknown): PlaneReport {
  return Object.freeze({
    plane,
    target: target.redacted,
    mode,
    ok: false,
    connected: false,
    applied: [],
    alreadyApplied: [],
    pending: [],
    unknownApplied: [],
    outOfOrder: [],
    unverified: [],
    drift: null,
    error: toPlaneError(error),
  });
}

async function statusCommand(
  planes: readonly PlaneTarget[],
  targets: readonly DatabaseTarget[],
  options: CommandOptions,
  io: CliIo,
  logger: Logger,
): Promise<number> {
  const redact = redactorOf(targets);
  const out = lineWriter(io.stdout, redact);
  const statuses: PlaneStatus[] = [];
  for (const [i, plane] of planes.entries()) {
    writeTargetLine(io, plane, targets[i]!, redact);
    let dialect: Awaited<ReturnType<typeof createDialect>>;
    try {
      dialect = await createDialect(targets[i]!, logger, dialectOptions(options));
    } catch (error) {
      // A missing driver: this plane cannot be read, the next one still is.
      statuses.push({ plane: plane.registry.plane, target: targets[i]!.redacted, ok: false, entries: [], error: toPlaneError(error) });
      continue;
    }
    statuses.push(await inspectMigrations({ registry: plane.registry, dialect, drift: true }));
  }
  const document = statusDocument(statuses);
  if (options.json) out([JSON.stringify(document, null, 2)]);
  else out(renderStatus(statuses));
  if (statuses.some((s) => s.error?.code === 'CONFIG_INVALID')) return EXIT.usage;
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
    const target = targets[i]!;
    writeTargetLine(io, plane, target, redact);
    const made = await createDialect(target, logger, dialectOptions(options)).then(
      (dialect) => ({ dialect }),
      (error: unknown) => ({ error }),
    );
    // A missing driver (CONFIG_INVALID, exit 2): this plane is reported failed and the next one is still tried.
    const started = 'dialect' in made;
    const report =
      'dialect' in made
        ? await runMigrations({
            registry: plane.registry,
            dialect: made.dialect,
            mode,
            logger,
            onProgress: progress.onProgress,
            ...(options.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: options.lockTimeoutMs }),
            ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
            ...(options.to === undefined ? {} : { to: options.to }),
            ...(options.batch === false ? { batch: false } : {}),
            beforeApply: lintBeforeApply(plane.registry, io),
          })
        : unconnected(plane.registry.plane, target, mode, made.error);
    reports.push(report);
    if (options.json) continue;
    // Live on the terminal, "Connecting…" and "Connected." were printed as they happened (by a run that started).
    const lines = renderPlane(report);
    out(progress.live && started ? lines.slice(report.connected ? 2 : 1) : lines);
    if (options.sql) out(renderPlanSql(report, historyTableName(target, options.schema)));
  }
  const report: MigrationReport = { ok: reports.every((r) => r.ok), mode, planes: reports };
  out(options.json ? [JSON.stringify(reportToJson(report), null, 2)] : renderFooter(report));
  return exitCodeOf(reports);
}
