import type { Command } from 'commander';
import { addLockOptions } from './options.js';
import { runPlanes, type PlanesFlags } from './planes-action.js';
import type { CommandContext } from './program.js';

/** `status`: every migration's state, and the schema's drift from the snapshot where there is one. */
export function defineStatus(command: Command, context: CommandContext): Command {
  context.targets.addOptions(
    command.description('every migration with its state (applied, baselined, pending, changed, unverified, unknown) and the schema drift'),
  );
  command.option('--exit-code', 'exit 1 when anything is pending, changed, unverified or drifted (a CI gate); 0 when up to date');
  return addLockOptions(command).action(async (flags: PlanesFlags) => runPlanes('status', flags, context));
}
