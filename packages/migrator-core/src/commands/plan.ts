import type { Command } from 'commander';
import { addLockOptions, wholeNumber } from './options.js';
import { runPlanes, type PlanesFlags } from './planes-action.js';
import type { CommandContext } from './program.js';

/** `plan`: what `up` would do, changing nothing; every pending migration is parsed. */
export function definePlan(command: Command, context: CommandContext): Command {
  context.targets.addOptions(command.description('what up would do, changing nothing; every pending migration is parsed (exit 1 on a syntax error)'));
  command
    .option('--to <version>', 'plan up to and including this version', wholeNumber('--to'))
    .option('--sql', 'print the statements that would run, in order, with transaction boundaries and history writes');
  return addLockOptions(command).action(async (flags: PlanesFlags) => runPlanes('plan', flags, context));
}
