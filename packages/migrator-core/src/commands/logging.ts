import { createRequire } from 'node:module';
import type { Logger as PinoLogger } from 'pino';
import { silentLogger, type Logger } from '../logger.js';
import { redactUrl } from '../dialects/target.js';
import { UsageError, type CliIo } from './io.js';

const LEVELS = ['silent', 'error', 'warn', 'info', 'debug'] as const;
type Level = (typeof LEVELS)[number];

/**
 * `ATLAS_LOG`, case-insensitive. Unset means `warn`: what the report cannot say, as it happens (a
 * migration retried behind a table lock, naming the blockers; a database not reachable yet); everything
 * the report says is logged at `info`. Anything else is a usage error.
 */
export function logLevel(env: CliIo['env']): Level {
  const raw = env.ATLAS_LOG?.trim();
  if (raw === undefined || raw === '') return 'warn';
  const level = raw.toLowerCase();
  if (!(LEVELS as readonly string[]).includes(level)) throw new UsageError(`ATLAS_LOG must be one of ${LEVELS.join(', ')}, got "${raw}"`);
  return level as Level;
}

/**
 * The engine's narration as NDJSON on stderr (pino: `level`, `time` in ISO-8601, `msg`, fields), every
 * line redacted of passwords. Written synchronously, so a line is out before a blocking SQLite wait.
 * pino (and its dependencies, ≈ 30 ms of start-up) is loaded, synchronously, by the first line this
 * level lets through: silent, or a run with nothing to say at this level, never loads it.
 */
export async function cliLogger(io: CliIo, level: Level, redact: (text: string) => string = redactUrl): Promise<Logger> {
  if (level === 'silent') return silentLogger;
  let log: PinoLogger | undefined;
  const pinoLog = () => (log ??= openPino(io, level, redact));
  const at = (lineLevel: Exclude<Level, 'silent'>): Logger['info'] =>
    LEVELS.indexOf(lineLevel) <= LEVELS.indexOf(level) ? (message, fields) => pinoLog()[lineLevel](fields ?? {}, message) : () => {};
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

function openPino(io: CliIo, level: Level, redact: (text: string) => string): PinoLogger {
  const pino = createRequire(import.meta.url)('pino') as typeof import('pino').default;
  const destination = { write: (line: string) => io.stderr.write(redact(line)) };
  return pino(
    { level, base: { name: 'atlas-migrate' }, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } },
    destination,
  );
}
