import { Option, type Command } from 'commander';
import { addLockOptions, wholeNumber } from './options.js';
import { aliasedCommand, runPlanes, type PlanesFlags } from './planes-action.js';
import type { CommandContext } from './program.js';

/**
 * `up` (the default command): applies pending migrations. `--dry-run` and `--status` make it `plan` and
 * `status`. A command line over several planes (packages/planes) is this command alone, so there they are
 * shown in its help (`aliases: 'shown'`); atlas-migrate has the commands themselves and hides them.
 */
export function defineUp(command: Command, context: CommandContext, aliases: 'shown' | 'hidden'): Command {
  const alias = (flags: string, description: string) => (aliases === 'shown' ? new Option(flags, description) : new Option(flags, description).hideHelp());
  context.targets.addOptions(command.description('apply pending migrations'));
  command
    .option('--to <version>', 'apply pending migrations up to and including this version', wholeNumber('--to'))
    .option('--heartbeat <seconds>', 'how often a long statement reports that it still runs (default 10)', wholeNumber('--heartbeat'))
    .option('--no-batch', "each migration in its own transaction (by default consecutive ones share one, so now() and the transaction id are the batch's)")
    .addOption(alias('--dry-run', 'what would be applied, changing nothing (the plan command)'))
    .addOption(alias('--sql', 'with --dry-run: print the statements that would run'))
    .addOption(alias('--status', "every migration's state (the status command)"))
    .addOption(alias('--exit-code', 'with --status: exit 1 while anything is pending, changed or drifted'));
  return addLockOptions(command).action(async (flags: PlanesFlags & { dryRun?: boolean; status?: boolean }) =>
    runPlanes(aliasedCommand(flags), flags, context),
  );
}
