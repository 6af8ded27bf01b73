import { Option } from 'commander';
import { EXIT, createProgram, defineUp, defineVerify, processIo, runProgram, type CliIo, type CommandContext, type Targets } from '@atlasai/migrator-core/cli';
import { unreadDatabaseVariableWarnings, type DotenvOutcome } from './environment.js';
import { DATA_DIR, PLANES, planeUrl, type PlaneDefinition } from './planes.js';
import { assertBuildsCurrent } from './stale-build.js';

/** Where a plane's URL came from, for its target line: its variable (from `.env` or not), or the SQLite default. */
function sourceOf(plane: PlaneDefinition, env: Readonly<Record<string, string | undefined>>, dotenv: DotenvOutcome | undefined): string {
  const variable = plane.urlVariable;
  if (!env[variable]?.trim()) return `${variable} is ${env[variable] === undefined ? 'unset' : 'empty'}: the SQLite default`;
  return dotenv?.kind === 'loaded' && dotenv.set.includes(variable) ? `${variable}, from ${dotenv.path}` : variable;
}

/**
 * The planes as `atlas-migrate`'s commands see them: `--plane NAME` picks one (default: all, in order),
 * and each plane's URL comes from its variable, else its SQLite file in `dataDir`. Registries are the
 * built ones, with their snapshots embedded, and refused when older than their `sql/` folder (stale-build.ts).
 */
export function planeTargets(planes: readonly PlaneDefinition[], dataDir: string = DATA_DIR, dotenv?: DotenvOutcome): Targets {
  const names = planes.map((p) => p.registry.plane);
  const variables = planes.map((p) => `  ${p.urlVariable.padEnd(28)}default: sqlite:data/${p.sqliteFile}`).join('\n');
  return {
    regenerateSnapshot: 'npm run schema:snapshot',
    addOptions(command) {
      return command
        .addOption(new Option('--plane <name>', `one plane only (default: ${names.join(', then ')})`).choices(names))
        .addHelpText('after', `\nDatabases, by variable:\n${variables}\nA failed plane does not stop the next.`);
    },
    async resolve(flags, io) {
      const selected = planes.filter((p) => flags.plane === undefined || p.registry.plane === flags.plane);
      // A mistyped variable would otherwise leave its plane on the SQLite default without a word.
      const reads = planes.map((p) => p.urlVariable);
      for (const warning of unreadDatabaseVariableWarnings(io.env, reads.join(', '), `these commands read ${reads.join(' and ')}`)) {
        io.stderr.write(`atlas-migrate: warning: ${warning}\n`);
      }
      // A registry built before its folder last changed is refused, never silently run.
      await assertBuildsCurrent(selected, io.env);
      return selected.map((p) => ({ registry: p.registry, url: planeUrl(p, io.env, dataDir), source: sourceOf(p, io.env, dotenv) }));
    },
  };
}

export interface OperatorOptions {
  readonly planes?: readonly PlaneDefinition[];
  readonly dataDir?: string;
  /** How the operator types the command, for its help: `npm run migrate:versioned`. */
  readonly name?: string;
  readonly io?: CliIo;
  /** What the root script's `.env` read did (`loadDotenv`): a plane's target line says when its URL came from there. */
  readonly dotenv?: DotenvOutcome;
}

/**
 * The repository's operator commands: `migrate` (`npm run migrate:versioned`, `up` with `--dry-run` and
 * `--status`, and the apps' `migrate` task) and `verify` (`npm run migrate:verify`). They are
 * atlas-migrate's own `up` and `verify`, over the planes instead of one folder. Returns the exit code.
 */
export async function runOperatorCommand(command: 'migrate' | 'verify', argv: readonly string[], options: OperatorOptions = {}): Promise<number> {
  const io = options.io ?? processIo();
  const context: CommandContext = { io, targets: planeTargets(options.planes ?? PLANES, options.dataDir, options.dotenv), exitCode: EXIT.ok };
  const name = options.name ?? (command === 'migrate' ? 'npm run migrate:versioned' : 'npm run migrate:verify');
  const program = createProgram(name, io, true).usage('-- [options]');
  if (command === 'migrate') defineUp(program, context, 'shown');
  else defineVerify(program, context);
  return runProgram(program, context, argv);
}
