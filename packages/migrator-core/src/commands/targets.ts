import { access, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Command } from 'commander';
import { messageOf } from '../errors.js';
import type { SqlVariant } from '../migration.js';
import type { Registry } from '../registry.js';
import { parseDatabaseUrl, redactUrl } from '../dialects/target.js';
import { UsageError, type CliIo } from './io.js';

/** A plane a command works on: its registry and the URL of its database. */
export interface PlaneTarget {
  readonly registry: Registry;
  readonly url: string;
  /** Where the URL came from, shown on the target line: `--url`, `DATABASE_URL`, `X is unset: the SQLite default`. */
  readonly source?: string;
}

/**
 * What a command needs of a registry's schema snapshot: `if-found` (up, plan, status: the drift check
 * runs when there is one), `required` (verify), `none` (verify --snapshot: the file given replaces it).
 */
export type SnapshotNeed = 'if-found' | 'required' | 'none';

/**
 * How a command finds the planes it works on. `atlas-migrate` names one folder and one URL
 * (`folderTargets`); the repository's operator commands name planes whose URLs come from variables
 * (packages/planes). Every command is written once, against this.
 */
export interface Targets {
  /** Adds the options that name the planes. */
  addOptions(command: Command): Command;
  /** The planes the parsed options name, in order. A mistake is a UsageError (or CONFIG_INVALID/REGISTRY_INVALID): exit 2. */
  resolve(flags: Record<string, unknown>, io: CliIo, snapshot: SnapshotNeed): Promise<PlaneTarget[]>;
  /** The command that regenerates these planes' snapshots, named when one is older than its registry (default: the engine's generateSnapshot). */
  readonly regenerateSnapshot?: string;
}

interface FolderFlags {
  url?: string;
  dir: string;
  label?: string;
}

/** The URL: `--url`, else `DATABASE_URL`. A password on the command line works, with a warning. */
function databaseUrl(flags: FolderFlags, io: CliIo): string {
  const url = flags.url ?? io.env.DATABASE_URL?.trim();
  if (!url) throw new UsageError('No database: pass --url or set DATABASE_URL');
  parseDatabaseUrl(url);
  if (flags.url !== undefined && redactUrl(flags.url) !== flags.url) {
    io.stderr.write('atlas-migrate: warning: the --url carries a password, visible in the process list and shell history; set DATABASE_URL instead\n');
  }
  return url;
}

/** The dialect the database URL names; undefined when it names none (`databaseUrl` reports that, after the folder). */
function sqlVariantOf(flags: FolderFlags, io: CliIo): SqlVariant | undefined {
  const url = flags.url ?? io.env.DATABASE_URL?.trim();
  try {
    return url ? parseDatabaseUrl(url).kind : undefined;
  } catch {
    return undefined;
  }
}

/** The registry with `file`'s snapshot as its snapshot for `dialect`. The file's plane is not checked: the plane is the command's. */
export async function withSnapshotFile(registry: Registry, file: string, dialect: SqlVariant): Promise<Registry> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new UsageError(`Cannot read the schema snapshot ${file}: ${messageOf(cause)}`);
  }
  const { parseSnapshot } = await import('../schema/snapshot-format.js');
  const snapshot = parseSnapshot(text, file);
  if (snapshot.dialect !== dialect) throw new UsageError(`${file} is a ${snapshot.dialect} snapshot; the database is ${dialect}`);
  return Object.freeze({ ...registry, snapshots: Object.freeze({ ...registry.snapshots, [dialect]: snapshot }) });
}

/**
 * One folder of migrations (`--dir`) and one database (`--url`, else `DATABASE_URL`). The folder's plane
 * and range come from its registry package's manifest (a registry's `sql/` folder), else the plane is
 * the folder's name; `--label` overrides the plane. The folder's snapshot is `../schema/<dialect>.snapshot`
 * beside it, as in a registry package: found, it is the registry's, as a built registry embeds it.
 */
export const folderTargets: Targets = {
  addOptions(command) {
    return command
      .option(
        '--url <url>',
        'postgres://…, postgresql://…, a libpq key=value string, sqlite:<path>, file:<path> or a SQLite file path (default: $DATABASE_URL)',
      )
      .requiredOption('--dir <folder>', 'folder of <version>_<name>[.postgres|.sqlite].sql files')
      .option(
        '--label <name>',
        "plane name shown as [NAME] (default: the registry's plane for a registry's sql/ folder, else the folder's name); the lock is keyed on the " +
          'database and its history table, not on this name',
      );
  },
  async resolve(raw, io, need) {
    const flags = raw as unknown as FolderFlags;
    const [{ loadRegistryFromDir, readRegistryManifest }, { cliLogger, logLevel }] = await Promise.all([import('../registry.js'), import('./logging.js')]);
    // Files in the folder that will not be read (`0002_x.SQL`, `0002_x.sql.bak`) are warned about here.
    const logger = await cliLogger(io, logLevel(io.env));
    const dir = flags.dir.replace(/[/\\]+$/, '') || flags.dir;
    const manifest = await readRegistryManifest(flags.dir);
    const plane = (flags.label ?? manifest?.plane ?? basename(dir)).toLowerCase();
    // Only the files of the database's dialect are read (and every shared `.sql` file).
    const sqlVariant = sqlVariantOf(flags, io);
    let registry = await loadRegistryFromDir(flags.dir, {
      plane,
      logger,
      ...(manifest ? { range: manifest.range, idempotent: manifest.idempotent } : {}),
      ...(sqlVariant ? { sqlVariant } : {}),
    });
    const url = databaseUrl(flags, io);
    const dialect = parseDatabaseUrl(url).kind;
    const snapshot = join(dirname(dir), 'schema', `${dialect}.snapshot`);
    if (need === 'required' || (need === 'if-found' && (await exists(snapshot)))) registry = await withSnapshotFile(registry, snapshot, dialect);
    return [{ registry, url, source: flags.url === undefined ? 'DATABASE_URL' : '--url' }];
  },
};

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
