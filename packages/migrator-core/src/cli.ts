import { defineBaseline } from './commands/baseline.js';
import { EXIT, type CliIo } from './commands/io.js';
import { defineLint } from './commands/lint.js';
import { defineNew } from './commands/new.js';
import { EXIT_CODES } from './commands/options.js';
import { definePlan } from './commands/plan.js';
import { createProgram, runProgram, type CommandContext } from './commands/program.js';
import { defineRepair } from './commands/repair.js';
import { defineStatus } from './commands/status.js';
import { folderTargets } from './commands/targets.js';
import { defineUp } from './commands/up.js';
import { defineVerify } from './commands/verify.js';

// What a command line of its own (the repository's operator commands, packages/planes) builds on: the
// same commands over another way of naming the planes. The library's index exports none of it.
export { EXIT, processIo, type CliIo } from './commands/io.js';
export { EXIT_CODES } from './commands/options.js';
export { createProgram, runProgram, type CommandContext } from './commands/program.js';
export { defineStatus, defineUp, defineVerify };
export type { PlaneTarget, SnapshotNeed, Targets } from './commands/targets.js';

declare const __ATLAS_VERSION__: string;

/** The `atlas-migrate` command: one folder of migrations against one database. Returns the exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const context: CommandContext = { io, targets: folderTargets, exitCode: EXIT.ok };
  const program = createProgram('atlas-migrate', io, '(atlas-migrate <command> --help for usage)')
    .description('Versioned, forward-only migrations for PostgreSQL and SQLite.')
    .version(__ATLAS_VERSION__, '-V, --version')
    .addHelpText('after', `\nWith no command, "up" runs.\nATLAS_LOG=silent|error|warn|info|debug adds NDJSON log lines on stderr.\n${EXIT_CODES}`);
  defineUp(program.command('up', { isDefault: true }), context, 'hidden');
  definePlan(program.command('plan'), context);
  defineStatus(program.command('status'), context);
  defineNew(program.command('new'), context);
  defineBaseline(program.command('baseline'), context);
  defineRepair(program.command('repair'), context);
  defineLint(program.command('lint'), context);
  defineVerify(program.command('verify'), context);
  // `up` runs when no command is named, with options only: a word that names no command is a mistyped
  // command (or a URL without --url), not something to hand to `up`.
  program.hook('preSubcommand', (root, command) => {
    const word = root.args[0];
    if (word === undefined || word.startsWith('-') || word === command.name()) return;
    const near = root.commands.map((c) => c.name()).find((name) => distance(name, word) <= 2);
    root.error(`error: unknown command '${word}'${near ? `\n(Did you mean ${near}?)` : ''}`, { code: 'commander.unknownCommand', exitCode: EXIT.usage });
  });
  return runProgram(program, context, argv);
}

/** Edit distance, a transposition counting as one edit (`stauts` is one from `status`): for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}
