import { mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { logOffset, logSince, messagesPerMigration } from '../bench/src/message-count.mjs';

/** The benchmark's messages per migration: a figure the server log cannot give is 'unmeasured', never 0. */
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'atlas-bench-log-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const line = (db: string, text: string) => `2025-01-01 00:00:00.000 UTC [42] postgres@${db} LOG:  ${text}\n`;

describe('messagesPerMigration', () => {
  it('no server log: unmeasured', () => {
    const missing = join(dir, 'postgresql.log');
    expect(logOffset(missing)).toBeNull();
    expect(messagesPerMigration(logSince(missing, logOffset(missing)), 'bench_1', 10)).toBe('unmeasured');
    expect(messagesPerMigration(null, 'bench_1', 10)).toBe('unmeasured');
  });

  it('a log that attributes no line to the database (log_line_prefix without %d): unmeasured, not 0', () => {
    const log = join(dir, 'postgresql.log');
    writeFileSync(log, 'old line\n');
    const from = logOffset(log);
    appendFileSync(log, '2025-01-01 00:00:00.000 UTC [42] LOG:  statement: CREATE TABLE t (id int)\n');
    expect(messagesPerMigration(logSince(log, from), 'bench_1', 1)).toBe('unmeasured');
  });

  it('counts the statements and executes sent to that database since the offset, per migration', () => {
    const log = join(dir, 'postgresql.log');
    writeFileSync(log, line('bench_1', 'statement: SELECT before'));
    const from = logOffset(log);
    appendFileSync(
      log,
      line('bench_1', 'statement: BEGIN') +
        line('bench_1', 'execute <unnamed>: INSERT INTO x VALUES ($1)') +
        line('bench_2', 'statement: SELECT other') +
        line('bench_1', 'statement: COMMIT'),
    );
    expect(messagesPerMigration(logSince(log, from), 'bench_1', 2)).toBe(1.5);
  });
});
