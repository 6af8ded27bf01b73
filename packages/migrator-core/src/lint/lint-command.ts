import { parseArgs } from 'node:util';
import { isMigratorError, messageOf } from '../errors.js';
import { lintPaths } from './lint-files.js';
import { renderLintJson, renderLintText } from './render-lint.js';

/** Where the command writes; `process` in production, buffers in tests. */
export interface LintIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/** 0 no error finding, 1 an error finding, 2 bad usage (a missing file is one: a lint of nothing is not clean). */
export const LINT_EXIT = Object.freeze({ ok: 0, findings: 1, usage: 2 });

export const LINT_USAGE = `Usage: atlas-migrate lint <files or folders>… [--json] [--strict]

  Checks migrations against the contract: idempotent, additive only, forward-only.
  A folder means the .sql files directly inside it; *.postgres.sql get the PostgreSQL rules,
  *.sqlite.sql the SQLite rules, any other .sql file both.

  --json    print one JSON document instead of compiler-style lines
  --strict  treat every warning as an error

  Let one finding through with a comment on the line before the statement:
    -- atlas:allow <rule-id> <reason>

Exit codes: 0 no error finding, 1 an error finding, 2 bad usage or a missing file.
`;

/** The `atlas-migrate lint` command. Returns the exit code. */
export async function lintCommand(argv: readonly string[], io: LintIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: { json: { type: 'boolean' }, strict: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    io.stderr.write(`atlas-migrate lint: ${messageOf(error)}\n\n${LINT_USAGE}`);
    return LINT_EXIT.usage;
  }
  if (parsed.values.help) {
    io.stdout.write(LINT_USAGE);
    return LINT_EXIT.ok;
  }
  if (parsed.positionals.length === 0) {
    io.stderr.write(`atlas-migrate lint: name at least one file or folder\n\n${LINT_USAGE}`);
    return LINT_EXIT.usage;
  }
  let result;
  try {
    result = await lintPaths(parsed.positionals, { strict: parsed.values.strict ?? false });
  } catch (error) {
    if (isMigratorError(error) && (error.code === 'CONFIG_INVALID' || error.code === 'REGISTRY_INVALID')) {
      io.stderr.write(`atlas-migrate lint: ${error.message}\n`);
      return LINT_EXIT.usage;
    }
    throw error;
  }
  io.stdout.write(parsed.values.json ? `${renderLintJson(result)}\n` : renderLintText(result).map((l) => `${l}\n`).join(''));
  return result.ok ? LINT_EXIT.ok : LINT_EXIT.findings;
}
