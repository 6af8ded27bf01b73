import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MigratorError, messageOf } from '../errors.js';
import { readMigrationFileSync } from '../read-migration-file.js';
import { applyAllowances } from './allowances.js';
import { sortAndDedupe, toFinding, type HonouredAllowance, type LintFinding, type LintResult, type RawFinding } from './findings.js';
import { lintPostgres } from './postgres-lint.js';
import type { LintDialect } from './rules.js';
import { lintSqlite } from './sqlite-lint.js';

/** One migration file's SQL to lint. */
export interface LintInput {
  /** The name printed in findings. */
  readonly file: string;
  readonly sql: string;
  /** Defaults to the dialects the file name implies (see `dialectsOf`). */
  readonly dialects?: readonly LintDialect[];
}

export interface LintOptions {
  /** Every warning is an error. */
  readonly strict?: boolean;
}

/** `.postgres.sql` and `.sqlite.sql` run on one database; any other `.sql` migration runs on both. */
export function dialectsOf(fileName: string): LintDialect[] {
  if (fileName.endsWith('.postgres.sql')) return ['postgres'];
  if (fileName.endsWith('.sqlite.sql')) return ['sqlite'];
  return ['postgres', 'sqlite'];
}

async function lintOne(input: LintInput, strict: boolean): Promise<{ findings: LintFinding[]; allowances: HonouredAllowance[] }> {
  const raw: RawFinding[] = [];
  for (const dialect of input.dialects ?? dialectsOf(input.file)) raw.push(...(dialect === 'postgres' ? await lintPostgres(input.sql) : lintSqlite(input.sql)));
  // A plain .sql file goes through both linters: the same problem at the same place counts once.
  const seen = new Set<string>();
  const unique = raw.filter((f) => {
    const key = `${f.rule}\0${f.site.line}\0${f.site.column}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
  const outcome = applyAllowances(input.file, input.sql, unique);
  return { findings: outcome.findings.map((f) => toFinding(f, input.file, strict)), allowances: outcome.honoured };
}

/** Lints migration SQL held in memory. Pure: reads no file, writes nothing. */
export async function lintMigrations(inputs: readonly LintInput[], options: LintOptions = {}): Promise<LintResult> {
  const strict = options.strict ?? false;
  const findings: LintFinding[] = [];
  const allowances: HonouredAllowance[] = [];
  for (const input of inputs) {
    const result = await lintOne(input, strict);
    findings.push(...result.findings);
    allowances.push(...result.allowances);
  }
  const sorted = sortAndDedupe(findings);
  return { ok: sorted.every((f) => f.severity !== 'error'), strict, files: inputs.map((i) => i.file), findings: sorted, allowances };
}

/**
 * The `.sql` files named, and those directly inside the folders named, in order. A path that does
 * not exist, or a folder without a `.sql` file, is a CONFIG_INVALID error: a lint of nothing is not clean.
 */
export async function collectSqlFiles(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    let isDirectory: boolean;
    try {
      isDirectory = (await stat(path)).isDirectory();
    } catch (cause) {
      throw new MigratorError('CONFIG_INVALID', `Cannot lint ${path}: ${messageOf(cause)}`, { file: path, cause });
    }
    if (!isDirectory) {
      files.push(path);
      continue;
    }
    const names = (await readdir(path)).filter((n) => n.endsWith('.sql')).sort();
    if (names.length === 0) throw new MigratorError('CONFIG_INVALID', `Cannot lint ${path}: the folder holds no .sql file`, { file: path });
    files.push(...names.map((n) => join(path, n)));
  }
  return files;
}

/** Lints the migration files and folders named (the `lint` command's work, without its printing). */
export async function lintPaths(paths: readonly string[], options: LintOptions = {}): Promise<LintResult> {
  const files = await collectSqlFiles(paths);
  const inputs: LintInput[] = [];
  // The engine's own gate: a file that is not UTF-8 or holds a NUL byte is refused, as `up` refuses it.
  for (const file of files) inputs.push({ file, sql: readMigrationFileSync(file, file).text });
  return lintMigrations(inputs, options);
}
