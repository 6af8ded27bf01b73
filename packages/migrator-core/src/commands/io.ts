import { isMigratorError, messageOf } from '../errors.js';
import type { PlaneReport } from '../report.js';
import { redactUrl, scrubSecrets, type DatabaseTarget } from '../dialects/target.js';

/** Where a command reads its environment and writes its output; `process` in production, buffers in tests. */
export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(text: string): unknown };
}

/** Exit codes: 0 success, 1 a migration (or the database) failed, 2 bad usage or configuration, 3 lock wait timed out. */
export const EXIT = Object.freeze({ ok: 0, failed: 1, usage: 2, lockTimeout: 3 });

/** A mistake on the command line: printed with the usage, exit 2. */
export class UsageError extends Error {}

/**
 * The process's own streams. Output piped into a reader that closed early (`| head`) is dropped
 * quietly instead of crashing with EPIPE: a migration already under way must finish either way.
 */
export function processIo(): CliIo {
  let closed = false;
  const guard = (stream: NodeJS.WriteStream) => {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      closed = true;
    });
    return { write: (text: string) => (closed ? false : stream.write(text)), isTTY: stream.isTTY === true };
  };
  return { env: process.env, stdout: guard(process.stdout), stderr: guard(process.stderr) };
}

/** The exit code of a run over several planes. */
export function exitCodeOf(planes: readonly PlaneReport[]): number {
  const failures = planes.filter((p) => !p.ok);
  if (failures.length === 0) return EXIT.ok;
  // A transaction-pooling URL is configuration too: the fix is another URL, not another run.
  if (failures.some((p) => p.error?.code === 'CONFIG_INVALID' || p.error?.code === 'REGISTRY_INVALID' || p.error?.code === 'TRANSACTION_POOLER'))
    return EXIT.usage;
  if (failures.every((p) => p.error?.code === 'LOCK_TIMEOUT')) return EXIT.lockTimeout;
  return EXIT.failed;
}

/** Prints a usage or configuration error and returns exit code 2; rethrows anything else. */
export function usageFailure(error: unknown, io: CliIo, usage = ''): number {
  if (error instanceof UsageError || (isMigratorError(error) && (error.code === 'CONFIG_INVALID' || error.code === 'REGISTRY_INVALID'))) {
    io.stderr.write(`atlas-migrate: ${redactUrl(messageOf(error))}\n${error instanceof UsageError && usage ? `\n${usage}` : ''}`);
    return EXIT.usage;
  }
  throw error;
}

/** Writes lines to a stream, every URL's password redacted (a driver's message may quote one). */
export function lineWriter(stream: { write(text: string): unknown }, redact: (text: string) => string = redactUrl): (lines: readonly string[]) => void {
  return (lines) => {
    if (lines.length > 0) stream.write(redact(lines.map((l) => `${l}\n`).join('')));
  };
}

/** Structural redaction of URLs, then every spelling of the targets' passwords: the last line of defence. */
export function redactorOf(targets: readonly DatabaseTarget[]): (text: string) => string {
  const secrets = targets.flatMap((t) => t.secrets);
  return (text) => scrubSecrets(redactUrl(text), secrets);
}
