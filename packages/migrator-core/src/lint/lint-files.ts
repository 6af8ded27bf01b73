import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MigratorError, messageOf } from '../errors.js';
import { ignoredFileWarning, listMigrationFolder } from '../migration-folder.js';
import { isUntouchedTemplate } from '../migration-template.js';
import { readMigrationFileSync } from '../read-migration-file.js';
import { applyAllowances } from './allowances.js';
import { CreatedObjects } from './created-objects.js';
import { sortAndDedupe, toFinding, type HonouredAllowance, type LintFinding, type LintResult, type RawFinding } from './findings.js';
import { lintPostgres } from './postgres-lint.js';
import type { SqlVariant } from '../migration-types.js';
import { lintSqlite } from './sqlite-lint.js';

/** One migration file's SQL to lint. */
export interface LintInput {
  /** The name printed in findings. */
  readonly file: string;
  readonly sql: string;
  /** Defaults to the dialects the file name implies (see `dialectsOf`). */
  readonly dialects?: readonly SqlVariant[];
}

export interface LintOptions {
  /** Every warning is an error. */
  readonly strict?: boolean;
  /**
   * Migrations that come before the inputs in their registries, read only for what they create (a DROP of
   * it is a removal even when a CREATE follows); their own findings are not reported.
   */
  readonly earlier?: readonly LintInput[];
  /** Told of each file in a folder named that looks like a migration but is not read (`0002_x.SQL`), as `up` warns. */
  readonly onIgnored?: (warning: string) => void;
}

/** `.postgres.sql` and `.sqlite.sql` run on one database; any other `.sql` migration runs on both. */
export function dialectsOf(fileName: string): SqlVariant[] {
  if (fileName.endsWith('.postgres.sql')) return ['postgres'];
  if (fileName.endsWith('.sqlite.sql')) return ['sqlite'];
  return ['postgres', 'sqlite'];
}

/** The version a migration file's name starts with (`1007_x.sql`), or undefined. */
function versionOf(file: string): number | undefined {
  const match = /^(\d+)_/.exec(basename(file));
  return match ? Number(match[1]) : undefined;
}

/** In the order the engine runs them within each folder: by version; files without one keep their place after. */
function inVersionOrder<T extends { readonly file: string }>(inputs: readonly T[]): T[] {
  return [...inputs].sort((a, b) => (versionOf(a.file) ?? Infinity) - (versionOf(b.file) ?? Infinity));
}

/** What each registry's migrations created so far, per folder and dialect, as the lint goes through them in order. */
class RegistryObjects {
  private readonly byFolder = new Map<string, CreatedObjects>();

  of(file: string, dialect: SqlVariant): CreatedObjects {
    const key = `${dirname(file)}\0${dialect}`;
    let objects = this.byFolder.get(key);
    if (!objects) this.byFolder.set(key, (objects = new CreatedObjects()));
    return objects;
  }
}

/** Runs one file through its dialects' linters and adds what it creates to its registry's objects. */
async function lintRaw(input: LintInput, registry: RegistryObjects): Promise<RawFinding[]> {
  const raw: RawFinding[] = [];
  for (const dialect of input.dialects ?? dialectsOf(input.file)) {
    const earlier = registry.of(input.file, dialect);
    const file = dialect === 'postgres' ? await lintPostgres(input.sql, earlier) : lintSqlite(input.sql, earlier);
    raw.push(...file.findings);
    earlier.merge(file.created);
  }
  return raw;
}

async function lintOne(input: LintInput, strict: boolean, registry: RegistryObjects): Promise<{ findings: LintFinding[]; allowances: HonouredAllowance[] }> {
  const raw = await lintRaw(input, registry);
  if (isUntouchedTemplate(input.file, input.sql)) {
    raw.push({
      rule: 'untouched-template',
      site: { line: 1, column: 1, text: input.sql.split('\n', 1)[0]!.trim() },
      detail: 'a migration that only holds the comments it was created with',
    });
  }
  // A plain .sql file goes through both linters: the same problem at the same place counts once.
  const seen = new Set<string>();
  const unique = raw.filter((f) => {
    const key = `${f.rule}\0${f.site.line}\0${f.site.column}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const outcome = applyAllowances(input.file, input.sql, unique);
  return { findings: outcome.findings.map((f) => toFinding(f, input.file, strict)), allowances: outcome.honoured };
}

/** Lints migration SQL held in memory. Pure: reads no file, writes nothing. */
export async function lintMigrations(inputs: readonly LintInput[], options: LintOptions = {}): Promise<LintResult> {
  const strict = options.strict ?? false;
  const findings: LintFinding[] = [];
  const allowances: HonouredAllowance[] = [];
  const registry = new RegistryObjects();
  const all = [
    ...(options.earlier ?? []).map((input) => ({ file: input.file, input, reported: false })),
    ...inputs.map((input) => ({ file: input.file, input, reported: true })),
  ];
  for (const { input, reported } of inVersionOrder(all)) {
    if (!reported) {
      await lintRaw(input, registry);
      continue;
    }
    const result = await lintOne(input, strict, registry);
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
export async function collectSqlFiles(paths: readonly string[], onIgnored?: (warning: string) => void): Promise<string[]> {
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
    // The engine's own listing: the files `up` reads, and the look-alikes it warns about.
    const folder = listMigrationFolder(path);
    for (const file of folder.ignored) onIgnored?.(ignoredFileWarning(path, file));
    const names = folder.sqlNames;
    if (names.length === 0) throw new MigratorError('CONFIG_INVALID', `Cannot lint ${path}: the folder holds no .sql file`, { file: path });
    files.push(...names.map((n) => join(path, n)));
  }
  return files;
}

/** The `.sql` files beside those named that come before them (a lower version) and were not named themselves. */
async function earlierSiblings(files: readonly string[]): Promise<string[]> {
  const named = new Set(files);
  const latest = new Map<string, number>();
  for (const file of files) {
    const version = versionOf(file);
    if (version !== undefined) latest.set(dirname(file), Math.max(latest.get(dirname(file)) ?? -Infinity, version));
  }
  const siblings: string[] = [];
  for (const [folder, before] of latest) {
    for (const name of (await readdir(folder)).filter((n) => n.endsWith('.sql')).sort()) {
      const file = join(folder, name);
      const version = versionOf(file);
      if (!named.has(file) && version !== undefined && version < before) siblings.push(file);
    }
  }
  return siblings;
}

/**
 * Lints the migration files and folders named (the `lint` command's work, without its printing). A file
 * named alone is read with its folder's earlier migrations, so it gets the verdict the folder would.
 */
export async function lintPaths(paths: readonly string[], options: LintOptions = {}): Promise<LintResult> {
  const files = await collectSqlFiles(paths, options.onIgnored);
  // The engine's own gate: a file that is not UTF-8 or holds a NUL byte is refused, as `up` refuses it.
  const read = (file: string): LintInput => ({ file, sql: readMigrationFileSync(file, file).text });
  const earlier = [...(options.earlier ?? []), ...(await earlierSiblings(files)).map(read)];
  return lintMigrations(files.map(read), { ...options, earlier });
}
