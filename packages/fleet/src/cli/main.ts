import { redactUrl } from '@atlasai/migrator-core';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { FLEET_SCHEMA_VERSION } from '../types.js';
import { actions, type CliContext, type ListOptions } from './commands.js';
import type { FleetCliIo } from './io.js';

export type { FleetCliIo } from './io.js';

const NAME = 'migrate:fleet';
const ENVIRONMENT = `
Environment:
  CONTROL_PLANE_DATABASE_URL          the Control Plane's PostgreSQL (required; SQLite is refused, exit 2)
  FLEET_MAX_PER_HOST (4)              concurrent migrations per database host, across every replica
  FLEET_MAX_PER_REPLICA (8)           concurrent migrations in this process
  FLEET_TENANT_DEADLINE_SECONDS (600) per tenant; past it the tenant is timed_out
  FLEET_ATTEMPTS (3)                  attempts per tenant for transient failures
  FLEET_JOB_EXPIRE_SECONDS (deadline + 60), FLEET_MAINTENANCE_INTERVAL_SECONDS (120),
  FLEET_RETRY_DELAY_SECONDS (5)       takeover after a dead replica (docs/fleet.md)
  FLEET_REPLICA_ID (host-pid)         this process's name in application_name and item owners
  FLEET_REGISTRY_DIR                  tests and benches only: migrations of this folder, not the shipped tenant registry
  ATLAS_LOG_LEVEL (warn)              NDJSON log lines on stderr
Exit codes: 0 done (every tenant succeeded), 1 the run halted, failed or was cancelled, or an error,
2 usage or configuration, 130/143 interrupted by SIGINT/SIGTERM (this process's tenants handed back).`;

const list = (value: string): string[] =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function fraction(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('a fraction between 0 and 1 (0.02 is 2 %)');
  return n;
}

function runCommand(program: Command, mode: 'apply' | 'plan' | 'scan', name: string, description: string, context: CliContext): void {
  program
    .command(name)
    .description(description)
    .option('--waves <spec>', 'waves in order, e.g. canary=tag:internal,1%,10%,100% (default 100%)')
    .option('--tags <list>', 'only tenants with any of these tags (metadata.tags)', list)
    .option('--statuses <list>', 'only tenants with one of these statuses', list)
    .option('--ids <list>', 'only these tenant ids', list)
    .addOption(new Option('--failure-budget <fraction>', 'failures a non-canary wave may have before the run halts (default 0.02)').argParser(fraction))
    .option('--detach', 'create the run and print its id; the Control Plane replicas work it')
    .option('--json', 'print the documents of docs/json-output.md (Fleet)')
    .action(async (opts: ListOptions) => {
      context.exitCode = await actions.create(context, mode, opts);
    });
}

function idCommand(program: Command, name: 'watch' | 'pause' | 'resume' | 'cancel', description: string, context: CliContext): void {
  program
    .command(name)
    .description(description)
    .argument('<run-id>')
    .option('--json', 'print the documents of docs/json-output.md (Fleet)')
    .action(async (id: string, opts: { json?: boolean }) => {
      context.exitCode = name === 'watch' ? await actions.watch(context, id, opts) : await actions.transition(context, name, id, opts);
    });
}

/**
 * `npm run migrate:fleet -- <command>`: one commander subcommand per fleet command, parsed as atlas-migrate's
 * commands are (errors thrown, not exiting; every URL's password redacted). Returns the exit code.
 */
export async function fleetMain(argv: readonly string[], io: FleetCliIo): Promise<number> {
  const context: CliContext = { io, exitCode: 0 };
  const program = new Command(NAME)
    .description('Fleet migrations: every dedicated tenant database brought to the release, in waves, from the Control Plane.')
    .usage('<command> [options]')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(redactUrl(s)),
      outputError: (s, write) => write(s.replace(/^error: /, `${NAME}: `)),
    })
    .exitOverride()
    .showHelpAfterError(`(npm run ${NAME} -- --help for usage)`)
    .showSuggestionAfterError(true)
    .addHelpText('after', ENVIRONMENT);
  runCommand(program, 'apply', 'run', 'create a run and work it to its end or a halt (with --detach: create it only)', context);
  runCommand(program, 'plan', 'plan', "read-only run: what each tenant would apply (the engine's dry run)", context);
  runCommand(program, 'scan', 'scan', "read-only run: each tenant's history and drift from the release's snapshot (verify)", context);
  program
    .command('status')
    .description('the fleet as the Control Plane knows it (no tenant is contacted)')
    .option('--json', 'print the documents of docs/json-output.md (Fleet)')
    .action(async (opts: { json?: boolean }) => {
      context.exitCode = await actions.status(context, opts);
    });
  idCommand(program, 'watch', 'follow a run to its end or a halt, working it in this process too', context);
  idCommand(program, 'pause', 'no new tenant starts; running ones finish', context);
  idCommand(program, 'resume', 'go on with a paused run, or past a halted wave (its failures accepted)', context);
  idCommand(program, 'cancel', 'stop a run: queued tenants cancelled, running ones aborted', context);
  program
    .command('retry')
    .description('requeue failed, timed-out, unreachable and cancelled tenants of a run')
    .argument('<run-id>')
    .option('--failed', 'only failed, timed-out and unreachable tenants (not cancelled ones)')
    .option('--json', 'print the documents of docs/json-output.md (Fleet)')
    .action(async (id: string, opts: { json?: boolean; failed?: boolean }) => {
      context.exitCode = await actions.transition(context, 'retry', id, opts);
    });
  try {
    if (argv.length === 0) {
      io.stderr.write(`${NAME}: a command is needed\n${program.helpInformation()}`);
      return 2;
    }
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (error.exitCode === 0) return 0;
    // Scripts that asked for JSON get the error as JSON too.
    if (argv.includes('--json')) {
      const document = { schemaVersion: FLEET_SCHEMA_VERSION, error: { code: 'USAGE', message: redactUrl(error.message.replace(/^error: /, '')) } };
      io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    }
    return 2;
  }
  return context.exitCode;
}
