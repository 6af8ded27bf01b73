import { redactUrl, type Logger } from '@atlasai/migrator-core';

/** Where the CLI writes; tests pass their own. */
export interface FleetCliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
}

const LEVELS = ['error', 'warn', 'info', 'debug'] as const;

/**
 * NDJSON on stderr at `ATLAS_LOG_LEVEL` (default warn: the progress is the narration), every message and
 * field passed through redactUrl, so that no password of a URL reaches the output.
 */
export function stderrLogger(io: FleetCliIo): Logger {
  const wanted = LEVELS.indexOf((io.env.ATLAS_LOG_LEVEL ?? 'warn') as (typeof LEVELS)[number]);
  const max = wanted < 0 ? 1 : wanted;
  const line = (level: (typeof LEVELS)[number]) => (message: string, fields?: Record<string, unknown>) => {
    if (LEVELS.indexOf(level) > max) return;
    io.stderr.write(`${redactUrl(JSON.stringify({ level, time: new Date().toISOString(), msg: message, ...fields }))}\n`);
  };
  return { error: line('error'), warn: line('warn'), info: line('info'), debug: line('debug') };
}
