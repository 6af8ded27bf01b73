import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { lintMigrations } from '@atlasai/migrator-core';
import { REPO_ROOT, run } from '@atlasai/test-kit';
import { POSTGRES_SNIPPETS, type Snippet } from './corpus.js';

/**
 * Our rules that squawk (squawk-cli 2.66.0) has an equivalent of. squawk's other rules (lock and
 * statement timeouts, bigint over int, text over varchar, …) are about style or locking, not the
 * additive-only contract, and ours without an equivalent (DO blocks, allowances, no-transaction files,
 * update/delete without WHERE, …) have nothing to compare with.
 */
const EQUIVALENTS: Record<string, readonly string[]> = {
  'ban-drop-table': ['drop-table'],
  'ban-drop-column': ['drop-column'],
  'renaming-table': ['rename-table'],
  'renaming-column': ['rename-column'],
  'changing-column-type': ['alter-column-type'],
  'adding-not-nullable-field': ['set-not-null'],
  'adding-required-field': ['not-null-without-default'],
  'require-concurrent-index-creation': ['blocking-create-index'],
  'constraint-missing-not-valid': ['constraint-without-not-valid'],
  'adding-field-with-default': ['volatile-default'],
  'prefer-robust-stmts': ['non-idempotent-create', 'non-idempotent-add-column', 'unguarded-add-constraint'],
  'ban-concurrent-index-creation-in-transaction': ['concurrently-in-transaction'],
};

const SQUAWK = join(REPO_ROOT, 'node_modules', '.bin', 'squawk');
const transactional = (s: Snippet) => !s.sql.startsWith('-- atlas:no-transaction');

interface SquawkFinding {
  file: string;
  rule_name: string;
  /** 0-based. */
  line: number;
}

/** squawk's findings per snippet file as `rule@line`, from one run over every snippet. */
async function squawk(dir: string, files: readonly string[], assumeInTransaction: boolean): Promise<Map<string, Set<string>>> {
  const args = ['--reporter', 'json', '--pg-version', '16.0', ...(assumeInTransaction ? ['--assume-in-transaction'] : []), ...files];
  const result = await run(SQUAWK, args, { cwd: dir });
  // squawk exits 1 when it found something; anything else means it did not run.
  expect([0, 1], result.stderr).toContain(result.code);
  const byFile = new Map<string, Set<string>>();
  for (const f of JSON.parse(result.stdout) as SquawkFinding[]) {
    const rules = byFile.get(f.file) ?? new Set<string>();
    rules.add(`${f.rule_name}@${f.line + 1}`);
    byFile.set(f.file, rules);
  }
  return byFile;
}

describe('squawk comparison (squawk-cli 2.66.0)', () => {
  const files = POSTGRES_SNIPPETS.map((_, i) => `snippet_${String(i).padStart(2, '0')}.sql`);
  let plain: Map<string, Set<string>>;
  let inTransaction: Map<string, Set<string>>;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atlas-squawk-'));
    for (const [i, s] of POSTGRES_SNIPPETS.entries()) writeFileSync(join(dir, files[i]!), s.sql);
    const version = await run(SQUAWK, ['--version'], { cwd: dir });
    expect(version.stdout.trim()).toBe('squawk 2.66.0');
    plain = await squawk(dir, files, false);
    inTransaction = await squawk(dir, files, true);
  });

  it.each(POSTGRES_SNIPPETS.map((snippet, i) => ({ snippet, file: files[i]!, name: snippet.name })))(
    '$name: same findings, or the difference is documented',
    async ({ snippet, file }) => {
      const ours = (await lintMigrations([{ file, sql: snippet.sql, dialects: ['postgres'] }])).findings;
      const differences: Record<string, string> = {};
      for (const [squawkRule, ourRules] of Object.entries(EQUIVALENTS)) {
        // squawk sees a transaction only when told to assume one; ours does for every unmarked file.
        const source = squawkRule === 'ban-concurrent-index-creation-in-transaction' && transactional(snippet) ? inTransaction : plain;
        const theirs = [...(source.get(file) ?? [])].filter((f) => f.startsWith(`${squawkRule}@`)).map((f) => Number(f.split('@')[1]));
        const mine = ours.filter((f) => ourRules.includes(f.rule)).map((f) => f.line);
        const key = (lines: number[]) => [...new Set(lines)].sort((a, b) => a - b).join(',');
        if (key(theirs) !== key(mine)) differences[squawkRule] = `squawk on lines [${key(theirs)}], we on lines [${key(mine)}]`;
      }
      const documented = snippet.squawk ?? {};
      expect(Object.keys(differences).sort(), JSON.stringify(differences)).toEqual(Object.keys(documented).sort());
      for (const why of Object.values(documented)) expect(why.length).toBeGreaterThan(20);
    },
  );
});
