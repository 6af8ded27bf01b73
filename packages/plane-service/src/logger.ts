import { redactUrl, type Logger } from '@atlasai/migrator-core';
import { pino, type Logger as PinoLogger } from 'pino';
import pretty from 'pino-pretty';

/**
 * Header paths pino censors wherever a request is logged. Fastify's request serializer leaves headers out;
 * this holds even if a hook or a future serializer logs them.
 */
export const REDACTED_PATHS = [
  'req.headers["x-service-secret"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers["x-service-secret"]',
  'headers.authorization',
  'headers.cookie',
];

/**
 * The service's one structured logger, shared by boot and Fastify, on stdout (or `destination`): NDJSON
 * (`json`, for a pipe or a log collector), or readable lines (`pretty`, pino's own printer, for a
 * terminal; colours only when stdout is one). Redaction happens before either format is written.
 */
export function createServiceLogger(level: string, destination?: NodeJS.WritableStream, format: 'json' | 'pretty' = 'json'): PinoLogger {
  const options = { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  if (format === 'pretty') {
    // Synchronous, as pino's own stdout: a fatal line is written before the process exits.
    const stream = pretty({
      destination: destination ?? 1,
      sync: true,
      colorize: destination === undefined && process.stdout.isTTY === true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
      singleLine: true,
    });
    return pino(options, stream);
  }
  return destination ? pino(options, destination) : pino(options);
}

type LevelMethod = (fields: object, message: string) => void;

/** The engine's Logger narrated through pino (the process's or a request's), with any URL in a message redacted. */
export function engineLogger(log: { debug: LevelMethod; info: LevelMethod; warn: LevelMethod; error: LevelMethod }): Logger {
  const at = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string, fields?: Record<string, unknown>) =>
    log[level](fields ?? {}, redactUrl(message));
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export type { PinoLogger };
