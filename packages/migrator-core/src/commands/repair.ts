import type { Command } from 'commander';
import { addLockOptions, lockTimeout, wholeNumber, type LockFlags } from './options.js';
import type { CommandContext } from './program.js';
import { runRecovery } from './recovery-action.js';

/** `repair --version V --reason "…"`: re-records an applied migration's checksum after a deliberate edit. */
export function defineRepair(command: Command, context: CommandContext): Command {
  context.targets.addOptions(
    command.description("re-record an applied migration's checksum after a deliberate edit, with the reason, in schema_migrations_audit"),
  );
  command
    .requiredOption('--version <version>', 'the applied migration whose file changed', wholeNumber('--version'))
    .requiredOption('--reason <text>', 'why the file changed (kept with the old and new checksum)');
  return addLockOptions(command).action(async (flags: LockFlags & { version: number; reason: string }) =>
    runRecovery(flags, context, ({ recovery, ...input }) =>
      recovery.repairChecksum({ ...input, version: flags.version, reason: flags.reason, ...lockTimeout(flags) }),
    ),
  );
}
