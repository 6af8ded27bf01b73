import type { Command } from 'commander';
import { addLockOptions, lockTimeout, wholeNumber, type LockFlags } from './options.js';
import type { CommandContext } from './program.js';
import { runRecovery } from './recovery-action.js';

/** `baseline --to V`: records the migrations up to V as applied without running them (outcome baselined). */
export function defineBaseline(command: Command, context: CommandContext): Command {
  context.targets.addOptions(
    command.description('record the migrations up to --to as applied without running them (outcome baselined), for a database made by other means'),
  );
  command
    .requiredOption('--to <version>', 'the last version the database already has', wholeNumber('--to'))
    .option('--reason <text>', 'kept in schema_migrations_audit');
  return addLockOptions(command).action(async (flags: LockFlags & { to: number; reason?: string }) =>
    runRecovery(flags, context, ({ recovery, ...input }) =>
      recovery.baselineMigrations({ ...input, to: flags.to, ...lockTimeout(flags), ...(flags.reason ? { reason: flags.reason } : {}) }),
    ),
  );
}
