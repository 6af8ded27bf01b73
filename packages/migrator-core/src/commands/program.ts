import { Command, CommanderError } from 'commander';
import { redactUrl } from '../dialects/target.js';
import { EXIT, UsageError, usageFailure, type CliIo } from './io.js';
import type { Targets } from './targets.js';

/** What every command is defined with: where it writes, how it finds its planes, and where its action leaves the exit code. */
export interface CommandContext {
  readonly io: CliIo;
  readonly targets: Targets;
  /** Set by the action that ran. */
  exitCode: number;
}

/**
 * A commander program as every command line of the engine is configured: errors prefixed
 * `atlas-migrate:` with every URL's password redacted, thrown instead of exiting (the exit code is
 * returned by `runProgram`), a program's own options only before its command (so `repair --version V`
 * is repair's). `helpAfterError`: the program's whole help after a usage error, or a one-line hint.
 */
export function createProgram(name: string, io: CliIo, helpAfterError: boolean | string): Command {
  return new Command(name)
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(redactUrl(s)),
      outputError: (s, write) => write(s.replace(/^error: /, 'atlas-migrate: ')),
    })
    .exitOverride()
    .enablePositionalOptions()
    .showHelpAfterError(helpAfterError)
    .showSuggestionAfterError(true);
}

/** Parses `argv` and runs the command it names. Returns the exit code: the action's, or 2 for bad usage or configuration. */
export async function runProgram(program: Command, context: CommandContext, argv: readonly string[]): Promise<number> {
  const { io } = context;
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (error instanceof UsageError) {
      io.stderr.write(`atlas-migrate: ${redactUrl(error.message)}\n(${program.name()} --help for usage)\n`);
      return EXIT.usage;
    }
    return usageFailure(error, io);
  }
  return context.exitCode;
}
