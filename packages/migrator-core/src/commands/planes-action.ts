import { UsageError } from './io.js';
import { lockTimeout, postgresBounds, type LockFlags } from './options.js';
import type { CommandContext } from './program.js';
import type { CommandOptions, PlanesCommand } from './run-planes.js';
import type { PlaneTarget } from './targets.js';

/** The flags `up`, `plan` and `status` share (each command declares the ones it takes). */
export interface PlanesFlags extends LockFlags {
  to?: number;
  heartbeat?: number;
  /** commander's `--no-batch`: false turns batching off. */
  batch?: boolean;
  sql?: boolean;
  exitCode?: boolean;
}

/** `--to` past every plane's last migration is almost always a typo: said on stderr, and the run goes on. */
function warnPastLast(planes: readonly PlaneTarget[], to: number, context: CommandContext): void {
  const lasts = planes.flatMap((p) => (p.registry.migrations.length > 0 ? [[p.registry.plane, p.registry.migrations.at(-1)!.version] as const] : []));
  if (lasts.length === 0 || lasts.some(([, last]) => to <= last)) return;
  const named = lasts.map(([plane, last]) => `${plane}'s is ${last}`).join(', ');
  context.io.stderr.write(`atlas-migrate: warning: --to ${to} is past the last migration (${named}): every pending migration is included\n`);
}

/**
 * What `up`, `plan` and `status` do once their flags are parsed: find the planes, then load the engine
 * (the runner, the dialects, the report) and run. Loaded here, never for --version, --help or lint.
 */
export async function runPlanes(command: PlanesCommand, flags: PlanesFlags, context: CommandContext): Promise<void> {
  const planes = await context.targets.resolve({ ...flags }, context.io, 'if-found');
  if (flags.to !== undefined && command !== 'status') warnPastLast(planes, flags.to, context);
  const options: CommandOptions = {
    command,
    json: flags.json ?? false,
    to: flags.to,
    schema: flags.schema,
    exitCode: flags.exitCode ?? false,
    sql: flags.sql ?? false,
    postgres: postgresBounds(flags),
    ...lockTimeout(flags),
    ...(flags.heartbeat === undefined ? {} : { heartbeatMs: Math.max(1, flags.heartbeat) * 1000 }),
    ...(flags.batch === false ? { batch: false } : {}),
    // A new run option of the engine (RunOptions) gets its flag in up.ts and is passed on here.
  };
  const { runPlanesCommand } = await import('./run-planes.js');
  context.exitCode = await runPlanesCommand(planes, options, context.io);
}

/** The planes command `up`'s aliases name: `--dry-run` is plan, `--status` is status; `--sql` and `--exit-code` belong to them. */
export function aliasedCommand(flags: PlanesFlags & { dryRun?: boolean; status?: boolean }): PlanesCommand {
  if (flags.dryRun && flags.status) throw new UsageError('--status and --dry-run cannot be combined');
  if (flags.sql && !flags.dryRun) throw new UsageError('--sql goes with --dry-run (or the plan command): it prints what a dry run would send');
  if (flags.exitCode && !flags.status) throw new UsageError('--exit-code goes with --status (or the status command)');
  return flags.status ? 'status' : flags.dryRun ? 'plan' : 'up';
}
