import { loadRegistryFromDir, redactUrl, type Registry } from '@atlasai/migrator-core';
import { registry as tenantRegistry } from '@atlasai/tenant-migrations';
import { openFleet } from '../open-fleet.js';
import { fleetSettingsFromEnv } from '../settings.js';
import { FLEET_SCHEMA_VERSION, isFleetError, type Fleet, type RunMode, type RunSummary } from '../types.js';
import { stderrLogger, type FleetCliIo } from './io.js';
import { progressReporter, summaryLine } from './progress.js';

export interface CliContext {
  readonly io: FleetCliIo;
  exitCode: number;
}

export interface ListOptions {
  waves?: string;
  tags?: string[];
  statuses?: string[];
  ids?: string[];
  failureBudget?: number;
  detach?: boolean;
  json?: boolean;
}

const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;

/** A configuration problem: printed, exit 2. */
class ConfigProblem extends Error {}

function json(io: FleetCliIo, doc: unknown): void {
  io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
}

/** Exit code of a run's end: 0 only when every tenant succeeded (or was skipped). */
const exitOf = (s: RunSummary): number => (s.state === 'succeeded' ? 0 : 1);

async function registryFrom(io: FleetCliIo): Promise<Registry> {
  const dir = io.env.FLEET_REGISTRY_DIR?.trim();
  if (!dir) return tenantRegistry;
  return loadRegistryFromDir(dir, { plane: tenantRegistry.plane, range: tenantRegistry.range });
}

/**
 * Opens the fleet, runs `fn`, closes the fleet. SIGTERM or SIGINT closes it at once: this process stops
 * fetching, aborts its tenants through their signal and hands them back to the queue; the command then
 * exits 143 (130). A second signal ends the process the default way (pg-boss expiry covers its tenants).
 */
async function withFleet(context: CliContext, jsonOut: boolean | undefined, fn: (fleet: Fleet) => Promise<number>): Promise<number> {
  const { io } = context;
  const logger = stderrLogger(io);
  let fleet: Fleet | undefined;
  let interrupted: { signal: keyof typeof SIGNAL_EXIT; closing: Promise<void> } | undefined;
  const onSignal = (signal: keyof typeof SIGNAL_EXIT) => () => {
    if (interrupted || !fleet) return;
    io.stderr.write(`migrate:fleet: ${signal}: stopping; this process's tenants are aborted and handed back to the queue\n`);
    interrupted = { signal, closing: fleet.close() };
  };
  const onTerm = onSignal('SIGTERM');
  const onInt = onSignal('SIGINT');
  try {
    const { options, problems } = fleetSettingsFromEnv(io.env);
    if (problems.length > 0) throw new ConfigProblem(problems.join('; '));
    const registry = await registryFrom(io);
    fleet = await openFleet({ ...options, controlUrl: io.env.CONTROL_PLANE_DATABASE_URL ?? '', logger, registry });
    process.once('SIGTERM', onTerm);
    process.once('SIGINT', onInt);
    return await fn(fleet);
  } catch (error) {
    if (interrupted) {
      await interrupted.closing;
      const message = `interrupted by ${interrupted.signal}; this process's tenants were handed back to the queue (the run goes on with the other replicas)`;
      if (jsonOut) json(io, { schemaVersion: FLEET_SCHEMA_VERSION, error: { code: 'INTERRUPTED', message } });
      io.stderr.write(`migrate:fleet: ${message}\n`);
      return SIGNAL_EXIT[interrupted.signal];
    }
    const code = error instanceof ConfigProblem ? 'CONFIG_INVALID' : isFleetError(error) ? error.code : ((error as { code?: string }).code ?? 'ERROR');
    const message = redactUrl(error instanceof Error ? error.message : String(error));
    if (jsonOut) json(io, { schemaVersion: FLEET_SCHEMA_VERSION, error: { code, message } });
    io.stderr.write(`migrate:fleet: ${message}\n`);
    return ['CONFIG_INVALID', 'REGISTRY_INVALID', 'FLEET_REQUIRES_POSTGRES', 'FLEET_INVALID_SPEC'].includes(code) ? 2 : 1;
  } finally {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    if (interrupted) await interrupted.closing;
    else await fleet?.close();
  }
}

/** Works the run in this process (as one more replica) and follows it to its end or a halt. */
async function follow(context: CliContext, fleet: Fleet, runId: string, jsonOut: boolean | undefined): Promise<number> {
  await fleet.work();
  const progress = jsonOut ? undefined : progressReporter(context.io);
  try {
    const end = await fleet.waitForRun(runId, (s) => progress?.update(s));
    progress?.stop();
    if (jsonOut) json(context.io, await fleet.getRun(runId));
    else context.io.stdout.write(`${summaryLine(end)}\n`);
    return exitOf(end);
  } finally {
    progress?.stop();
  }
}

export const actions = {
  create(context: CliContext, mode: RunMode, opts: ListOptions): Promise<number> {
    return withFleet(context, opts.json, async (fleet) => {
      const filter = {
        ...(opts.tags ? { tags: opts.tags } : {}),
        ...(opts.statuses ? { statuses: opts.statuses } : {}),
        ...(opts.ids ? { ids: opts.ids } : {}),
      };
      const run = await fleet.createRun({
        mode,
        ...(opts.waves ? { waves: opts.waves } : {}),
        ...(opts.failureBudget === undefined ? {} : { failureBudget: opts.failureBudget }),
        filter,
        createdBy: `cli:${context.io.env.USER ?? 'unknown'}`,
      });
      if (!opts.detach) return follow(context, fleet, run.id, opts.json);
      if (opts.json) json(context.io, run);
      else context.io.stdout.write(`${summaryLine(run)}\nworked by the Control Plane's replicas; follow it with: npm run migrate:fleet -- watch ${run.id}\n`);
      return 0;
    });
  },

  watch(context: CliContext, id: string, opts: { json?: boolean }): Promise<number> {
    return withFleet(context, opts.json, (fleet) => follow(context, fleet, id, opts.json));
  },

  transition(context: CliContext, action: 'pause' | 'resume' | 'cancel' | 'retry', id: string, opts: { json?: boolean; failed?: boolean }): Promise<number> {
    return withFleet(context, opts.json, async (fleet) => {
      const result = action === 'retry' ? await fleet.retry(id, { failedOnly: opts.failed === true }) : await fleet[action](id);
      if (opts.json) json(context.io, result);
      else context.io.stdout.write(`${summaryLine(result)}\n`);
      return 0;
    });
  },

  status(context: CliContext, opts: { json?: boolean }): Promise<number> {
    return withFleet(context, opts.json, async (fleet) => {
      const status = await fleet.status();
      if (opts.json) {
        json(context.io, status);
        return 0;
      }
      const { io } = context;
      io.stdout.write(
        `${status.tenants} tenants: ${
          Object.entries(status.byState)
            .filter(([, n]) => n > 0)
            .map(([s, n]) => `${s} ${n}`)
            .join(', ') || 'none'
        }\n`,
      );
      for (const run of status.liveRuns) io.stdout.write(`${summaryLine(run)}\n`);
      for (const t of status.attention)
        io.stdout.write(`  ${t.state.padEnd(11)} ${t.tenantId} ${t.target} v${t.version ?? '-'}${t.error ? ` ${t.error.code}: ${t.error.message}` : ''}\n`);
      return 0;
    });
  },
};
