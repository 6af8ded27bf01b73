import type { ProgressEvent } from '../report.js';
import type { CliIo } from './io.js';
import { lineWriter } from './io.js';

const tagOf = (plane: string) => `[${plane.toUpperCase()}]`;

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0]!.trim();
  return line.length > 80 ? `${line.slice(0, 77)}...` : line;
}

/** One progress line, or none for an event the report's own lines already cover. */
export function renderProgress(event: ProgressEvent): string | null {
  const tag = tagOf(event.plane);
  switch (event.kind) {
    case 'connecting':
      return `${tag} Connecting to database...`;
    case 'connected':
      return `${tag} Connected.`;
    case 'lock-wait':
      return `${tag} Waiting for the migration lock, held by ${event.holder}`;
    case 'migration-start':
      return `${tag} Applying ${event.version} (${event.name})...`;
    case 'migration-end':
      return (
        `${tag} ${event.outcome === 'failed' ? 'Failed' : event.outcome === 'skipped' ? 'Skipped (objects already present)' : 'Applied'} ` +
        `${event.version} in ${event.durationMs} ms`
      );
    case 'batch-running':
      return (
        `${tag} Still running ${event.versions[0]}-${event.versions.at(-1)}, ${event.versions.length} migrations in one transaction (` +
        `${Math.round(event.elapsedMs / 1000)} s)`
      );
    case 'statement-running':
      return (
        `${tag} Still running ${event.version}, statement ${event.statement} (line ${event.line}): ${firstLine(event.text)} (` +
        `${Math.round(event.elapsedMs / 1000)} s)`
      );
  }
}

/** The events whose lines are also the report's own lines ("Connecting to database...", "Connected."). */
const IN_THE_REPORT: ReadonlySet<ProgressEvent['kind']> = new Set(['connecting', 'connected']);

/**
 * Live progress: on the terminal when stdout is one (the report's first lines are then printed live
 * and not again), else on stderr, so that piped output and --json keep exactly the report. On stderr it
 * leaves out the lines the report prints on stdout: a log that reads both pipes (CI, `docker logs`)
 * then has each line once.
 */
export function progressPrinter(io: CliIo, json: boolean, redact?: (text: string) => string): { onProgress: (event: ProgressEvent) => void; live: boolean } {
  const live = io.stdout.isTTY === true && !json;
  const write = lineWriter(live ? io.stdout : io.stderr, redact);
  return {
    live,
    onProgress(event) {
      if (!live && IN_THE_REPORT.has(event.kind)) return;
      const line = renderProgress(event);
      if (line !== null) write([line]);
    },
  };
}
