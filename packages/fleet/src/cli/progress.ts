import cliProgress from 'cli-progress';
import type { RunSummary } from '../types.js';
import type { FleetCliIo } from './io.js';

/** counts by state, non-zero ones, in the one order of ITEM_STATES. */
export function countsLine(s: RunSummary): string {
  return Object.entries(s.counts)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${state} ${n}`)
    .join(', ');
}

function rate(s: RunSummary): string {
  return `${s.throughputPerMinute ?? '-'}/min, ETA ${s.etaSeconds === null ? '-' : `${s.etaSeconds} s`}`;
}

export function summaryLine(s: RunSummary): string {
  const wave = s.waves.find((w) => w.state === 'running' || w.state === 'halted');
  return `[fleet ${s.id}] ${s.mode} ${s.state}${wave ? `, wave ${wave.name}` : ''}: ${countsLine(s) || 'no tenants'} (${rate(s)})`;
}

/** How often a piped run prints a line when only its throughput or ETA changed. */
const PLAIN_REFRESH_MS = 30_000;

/** Live progress: a bar on a terminal (stderr), plain lines when piped. */
export function progressReporter(io: FleetCliIo): { update(s: RunSummary): void; stop(): void } {
  if (io.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: 'fleet {id} {state}{wave} [{bar}] {value}/{total} | {counts} | {rate}',
        stream: io.stderr,
        hideCursor: true,
        clearOnComplete: false,
        noTTYOutput: false,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(s) {
        const done = s.total - s.counts.queued - s.counts.running - s.counts.retrying;
        const wave = s.waves.find((w) => w.state === 'running' || w.state === 'halted');
        const payload = { id: s.id, state: s.state, wave: wave ? ` wave ${wave.name}` : '', counts: countsLine(s) || 'no tenants', rate: rate(s) };
        if (!started) {
          bar.start(s.total, done, payload);
          started = true;
        } else {
          bar.setTotal(s.total);
          bar.update(done, payload);
        }
      },
      stop() {
        if (started) bar.stop();
        started = false;
      },
    };
  }
  // Piped: a line when the state, the wave or a count changes, and otherwise at most every
  // PLAIN_REFRESH_MS when throughput or ETA moved; never the same line twice in a row.
  let lastKey = '';
  let lastLine = '';
  let lastAt = 0;
  return {
    update(s) {
      const line = summaryLine(s);
      const key = `${s.state}|${countsLine(s)}|${s.waves.map((w) => w.state).join(',')}`;
      const now = Date.now();
      if (line === lastLine || (key === lastKey && now - lastAt < PLAIN_REFRESH_MS)) return;
      lastKey = key;
      lastLine = line;
      lastAt = now;
      io.stderr.write(`${line}\n`);
    },
    stop() {},
  };
}
