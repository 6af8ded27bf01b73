import type { Command } from 'commander';
import { parseDatabaseUrl } from '../dialects/target.js';
import { UsageError } from './io.js';
import { addConnectionOptions, dialectOptions, type ConnectionFlags } from './options.js';
import type { CommandContext } from './program.js';
import { withSnapshotFile } from './targets.js';

/** `verify`: each plane's live schema against its registry's snapshot, limited to the applied versions. Read-only: no lock, nothing written. */
export function defineVerify(command: Command, context: CommandContext): Command {
  context.targets.addOptions(command.description('compare the database with the schema snapshot of what it applied, read-only'));
  command.option('--snapshot <file>', "the snapshot to compare with (default: the registry's own, schema/<postgres|sqlite>.snapshot beside its sql/ folder)");
  return addConnectionOptions(command)
    .addHelpText(
      'after',
      '\nMissing or different objects are drift; extra objects are reported, not an error.\nExit codes: 0 no drift, 1 drift (or the database could ' +
        'not be read), 2 bad usage or configuration.',
    )
    .action(async (flags: ConnectionFlags & { snapshot?: string }) => {
      const { io } = context;
      let planes = await context.targets.resolve({ ...flags }, io, flags.snapshot === undefined ? 'required' : 'none');
      if (flags.snapshot !== undefined) {
        if (planes.length !== 1) throw new UsageError('--snapshot compares one plane: name it');
        const [plane] = planes;
        planes = [{ ...plane!, registry: await withSnapshotFile(plane!.registry, flags.snapshot, parseDatabaseUrl(plane!.url).kind) }];
      }
      const { verifyPlanes } = await import('./verify-planes.js');
      const regenerate = context.targets.regenerateSnapshot;
      context.exitCode = await verifyPlanes(planes, { json: flags.json ?? false, dialect: dialectOptions(flags), ...(regenerate ? { regenerate } : {}) }, io);
    });
}
