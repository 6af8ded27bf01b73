import { silentLogger, type Logger } from '../logger.js';
import { redactUrl } from '../target.js';
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
 * Silent (the default) loads no logging library at all.
 */
export async function cliLogger(io: CliIo, level: Level, redact: (text: string) => string = redactUrl): Promise<Logger> {
  // pino (and its dependencies) is loaded only when a log line can be written.
  if (level === 'silent') return silentLogger;
  const { default: pino } = await import('pino');
  const destination = { write: (line: string) => io.stderr.write(redact(line)) };
  const log = pino({ level, base: { name: 'atlas-migrate' }, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } }, destination);
  return {
    debug: (message, fields) => log.debug(fields ?? {}, message),
    info: (message, fields) => log.info(fields ?? {}, message),
    warn: (message, fields) => log.warn(fields ?? {}, message),
    error: (message, fields) => log.error(fields ?? {}, message),
  };
}
