import { parseArgs } from 'node:util';
import { openFleet } from '../open-fleet.js';
import { isFleetError, type Fleet, type RunMode, type RunSummary } from '../types.js';
import { stderrLogger, type FleetCliIo } from './io.js';
import { progressReporter, summaryLine } from './progress.js';

export const FLEET_USAGE = `Usage: npm run migrate:fleet -- <command> [options]
  run [--waves canary=tag:internal,1%,10%,100%] [--tags a,b] [--statuses active] [--ids id,…] [--failure-budget 0.02] [--detach]
  plan | scan [same options]     read-only: what each tenant would apply / history and drift
  status                         the fleet from the Control Plane (no tenant is contacted)
  watch <run-id>                 follow a run to its end or halt
  pause | resume | cancel <run-id>
  retry <run-id> [--failed]      requeue failed, timed-out and unreachable tenants (and cancelled ones without --failed)
Every command takes --json. Environment: CONTROL_PLANE_DATABASE_URL (PostgreSQL), FLEET_MAX_PER_HOST (4),
FLEET_MAX_PER_REPLICA (8), FLEET_TENANT_DEADLINE_SECONDS (600), ATLAS_LOG_LEVEL (warn).`;

const list = (v: string | undefined) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined);
const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));

/** Exit code of a run's end: 0 only when every tenant succeeded (or was skipped). */
function exitOf(s: RunSummary): number {
  return s.state === 'succeeded' ? 0 : 1;
}

export async function fleetMain(argv: readonly string[], io: FleetCliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        waves: { type: 'string' },
        tags: { type: 'string' },
        statuses: { type: 'string' },
        ids: { type: 'string' },
        'failure-budget': { type: 'string' },
        detach: { type: 'boolean' },
        failed: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n${FLEET_USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, id] = positionals;
  if (values.help || !command) {
    (values.help ? io.stdout : io.stderr).write(`${FLEET_USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const needsId = ['watch', 'pause', 'resume', 'cancel', 'retry'].includes(command);
  if (!['run', 'plan', 'scan', 'status', ...(needsId ? [command] : [])].includes(command) || (needsId && !id)) {
    io.stderr.write(`${needsId ? `${command} needs a run id` : `Unknown command "${command}"`}\n${FLEET_USAGE}\n`);
    return 2;
  }
  const json = (doc: unknown) => io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  const logger = stderrLogger(io);
  let fleet: Fleet | undefined;
  const stop = () => void fleet?.close().finally(() => process.exit(143));
  try {
    fleet = await openFleet({
      controlUrl: io.env.CONTROL_PLANE_DATABASE_URL ?? '',
      logger,
      maxPerHost: num(io.env.FLEET_MAX_PER_HOST) ?? 4,
      maxPerReplica: num(io.env.FLEET_MAX_PER_REPLICA) ?? 8,
      tenantDeadlineMs: (num(io.env.FLEET_TENANT_DEADLINE_SECONDS) ?? 600) * 1000,
    });
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    const follow = async (runId: string): Promise<number> => {
      await fleet!.work();
      const progress = values.json ? undefined : progressReporter(io);
      const end = await fleet!.waitForRun(runId, (s) => progress?.update(s));
      progress?.stop();
      if (values.json) json(await fleet!.getRun(runId));
      else io.stdout.write(`${summaryLine(end)}\n`);
      return exitOf(end);
    };
    if (command === 'run' || command === 'plan' || command === 'scan') {
      const mode: RunMode = command === 'run' ? 'apply' : command;
      const budget = num(values['failure-budget']);
      const filter = { ...(list(values.tags) ? { tags: list(values.tags)! } : {}), ...(list(values.statuses) ? { statuses: list(values.statuses)! } : {}), ...(list(values.ids) ? { ids: list(values.ids)! } : {}) };
      const run = await fleet.createRun({ mode, ...(values.waves ? { waves: values.waves } : {}), ...(budget === undefined ? {} : { failureBudget: budget }), filter, createdBy: `cli:${io.env.USER ?? 'unknown'}` });
      if (values.detach) {
        if (values.json) json(run);
        else io.stdout.write(`${summaryLine(run)}\nworked by the Control Plane's replicas; follow it with: npm run migrate:fleet -- watch ${run.id}\n`);
        return 0;
      }
      return await follow(run.id);
    }
    if (command === 'status') {
      const status = await fleet.status();
      if (values.json) json(status);
      else {
        io.stdout.write(`${status.tenants} tenants: ${Object.entries(status.byState).filter(([, n]) => n > 0).map(([s, n]) => `${s} ${n}`).join(', ') || 'none'}\n`);
        for (const run of status.liveRuns) io.stdout.write(`${summaryLine(run)}\n`);
        for (const t of status.attention) io.stdout.write(`  ${t.state.padEnd(11)} ${t.tenantId} ${t.target} v${t.version ?? '-'}${t.error ? ` ${t.error.code}: ${t.error.message}` : ''}\n`);
      }
      return 0;
    }
    if (command === 'watch') return await follow(id!);
    const action = command as 'pause' | 'resume' | 'cancel' | 'retry';
    const result = action === 'retry' ? await fleet.retry(id!, { failedOnly: values.failed === true }) : await fleet[action](id!);
    if (values.json) json(result);
    else io.stdout.write(`${summaryLine(result)}\n`);
    return 0;
  } catch (error) {
    const code = isFleetError(error) ? error.code : undefined;
    if (values.json) json({ schemaVersion: 1, error: { code: code ?? 'ERROR', message: (error as Error).message } });
    io.stderr.write(`${(error as Error).message}\n`);
    return code === 'FLEET_REQUIRES_POSTGRES' || code === 'FLEET_INVALID_SPEC' ? 2 : 1;
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    await fleet?.close();
  }
}
