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

/** Live progress: a bar on a terminal (stderr), plain lines when piped (one per change). */
export function progressReporter(io: FleetCliIo): { update(s: RunSummary): void; stop(): void } {
  if (io.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: 'fleet {id} [{bar}] {value}/{total} | {counts} | {rate}', stream: io.stderr, hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(s) {
        const done = s.total - s.counts.queued - s.counts.running - s.counts.retrying;
        const payload = { id: s.id, counts: countsLine(s), rate: rate(s) };
        if (!started) {
          bar.start(s.total, done, payload);
          started = true;
        } else {
          bar.setTotal(s.total);
          bar.update(done, payload);
        }
      },
      stop: () => started && bar.stop(),
    };
  }
  let last = '';
  return {
    update(s) {
      const line = `[fleet ${s.id}] ${s.state}: ${countsLine(s)}`;
      if (line === last) return;
      last = line;
      io.stderr.write(`${summaryLine(s)}\n`);
    },
    stop() {},
  };
}
