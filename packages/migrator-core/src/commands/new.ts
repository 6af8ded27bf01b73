import type { Command } from 'commander';
import { EXIT, lineWriter } from './io.js';
import type { CommandContext } from './program.js';

/** `new <name>`: the next free version of the folder's range, as a `.postgres.sql` + `.sqlite.sql` pair. */
export function defineNew(command: Command, context: CommandContext): Command {
  return command
    .description("create the next free version in the plane's range, as a .postgres.sql + .sqlite.sql pair")
    .argument('<name>', 'snake_case name, e.g. add_invoice_credit_notes')
    .requiredOption('--dir <folder>', "the migration folder (a registry's sql/ folder takes its range from the package)")
    .action(async (name: string, flags: { dir: string }) => {
      const { readRegistryManifest } = await import('../registry.js');
      const { newMigration } = await import('./new-migration.js');
      const manifest = await readRegistryManifest(flags.dir);
      const files = await newMigration(flags.dir, name, manifest?.range ?? { min: 1, max: Number.MAX_SAFE_INTEGER });
      lineWriter(context.io.stdout)(files.map((f) => `Created ${f}`));
      context.exitCode = EXIT.ok;
    });
}
