import type { Command } from 'commander';
import { EXIT } from './io.js';
import type { CommandContext } from './program.js';

const RULES_HELP = `
Checks migrations against the contract: idempotent, additive only, forward-only. A folder means the .sql
files directly inside it; *.postgres.sql get the PostgreSQL rules, *.sqlite.sql the SQLite rules, any
other .sql file both. Let one finding through with a comment on the line before the statement:
  -- atlas:allow <rule-id> <reason>

Exit codes: 0 no error finding, 1 an error finding, 2 bad usage or a missing file (a lint of nothing is not clean).`;

/** `lint <paths…>`: the migration linter; it opens no database. The linter (and the parser it uses) loads only for it. */
export function defineLint(command: Command, context: CommandContext): Command {
  return command
    .description('check migration files against the additive-only contract')
    .argument('<paths...>', 'migration files, or folders of them')
    .option('--json', 'print one JSON document instead of compiler-style lines')
    .option('--strict', 'treat every warning as an error')
    .option('--summary', "print errors in full and count warnings and allowances on the summary line (as the registries' builds do)")
    .addHelpText('after', RULES_HELP)
    .action(async (paths: string[], flags: { json?: boolean; strict?: boolean; summary?: boolean }) => {
      const [{ lintPaths }, { renderLintJson, renderLintSummary, renderLintText }] = await Promise.all([
        import('../lint/lint-files.js'),
        import('../lint/render-lint.js'),
      ]);
      // A missing file or a folder without .sql files is CONFIG_INVALID: exit 2, as bad usage.
      const onIgnored = (warning: string) => context.io.stderr.write(`atlas-migrate: warning: ${warning}\n`);
      const result = await lintPaths(paths, { strict: flags.strict ?? false, onIgnored });
      const text = flags.summary ? renderLintSummary(result, paths) : renderLintText(result);
      context.io.stdout.write(flags.json ? `${renderLintJson(result)}\n` : text.map((l) => `${l}\n`).join(''));
      context.exitCode = result.ok ? EXIT.ok : EXIT.failed;
    });
}
