import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { createDialect } from '../dialects/index.js';
import { isMigratorError, messageOf } from '../errors.js';
import { silentLogger } from '../logger.js';
import { loadRegistryFromDir, type Registry } from '../registry.js';
import { parseDatabaseUrl, redactUrl } from '../target.js';
import { parseSnapshot, type SchemaSnapshot } from './snapshot-format.js';
import { renderVerification } from './render-drift.js';
import { verifySchema, type SchemaVerification } from './verify-schema.js';

/** Where the command reads its environment and writes; `process` in production, buffers in tests. */
export interface VerifyIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/** 0 no drift (extra objects allowed), 1 drift or a database that could not be verified, 2 bad usage or configuration. */
export const VERIFY_EXIT = Object.freeze({ ok: 0, drift: 1, usage: 2 });

export const VERIFY_USAGE = `Usage: atlas-migrate verify --url <url> --dir <folder> [--snapshot <file>] [--label NAME] [--schema NAME] [--json]

  Compares the database with the schema snapshot of the migrations it has applied. Read-only: no lock,
  nothing written. Missing or different objects are drift; extra objects are reported, not an error.

  --url       postgres://…, postgresql://…, sqlite:<path>, file:<path> or a SQLite file path
  --dir       folder of <version>_<name>[.postgres|.sqlite].sql files
  --snapshot  the snapshot file (default: <dir>/../schema/<postgres|sqlite>.snapshot)
  --label     plane name shown as [NAME] (default: the folder's name)
  --schema    PostgreSQL: the schema the plane owns (default public)
  --json      print one JSON document instead of text

Exit codes: 0 no drift, 1 drift (or the database could not be read), 2 bad usage or configuration.
`;

const SCHEMA_PATTERN = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

class UsageError extends Error {}

function checkSchemaName(schema: string | undefined): void {
  if (schema !== undefined && !SCHEMA_PATTERN.test(schema)) throw new UsageError(`--schema takes a schema name ([A-Za-z_][A-Za-z0-9_$]*), got "${schema}"`);
}

/** The usage or configuration error as the other commands print it: exit 2. */
function usageFailure(error: unknown, io: VerifyIo, usage: string): number {
  if (error instanceof UsageError || (isMigratorError(error) && (error.code === 'CONFIG_INVALID' || error.code === 'REGISTRY_INVALID'))) {
    io.stderr.write(`atlas-migrate verify: ${redactUrl(messageOf(error))}\n${error instanceof UsageError ? `\n${usage}` : ''}`);
    return VERIFY_EXIT.usage;
  }
  throw error;
}

interface VerifyTarget {
  readonly registry: Registry;
  readonly url: string;
  readonly snapshot?: SchemaSnapshot;
}

/** Verifies each plane in order, prints text or one JSON document, and returns the exit code. */
async function verifyPlanes(targets: readonly VerifyTarget[], options: { json: boolean; schema: string | undefined }, io: VerifyIo): Promise<number> {
  const results: SchemaVerification[] = [];
  for (const target of targets) {
    const dialect = await createDialect(target.url, silentLogger, options.schema === undefined ? {} : { schema: options.schema });
    results.push(await verifySchema({ registry: target.registry, dialect, ...(target.snapshot ? { snapshot: target.snapshot } : {}) }));
  }
  const ok = results.every((r) => r.ok);
  const text = options.json ? `${JSON.stringify({ ok, planes: results }, null, 2)}\n` : renderVerification(results).map((l) => `${l}\n`).join('');
  io.stdout.write(redactUrl(text));
  if (ok) return VERIFY_EXIT.ok;
  // A plane without a snapshot for its dialect is a configuration problem, not drift.
  return results.every((r) => r.ok || r.error?.code === 'CONFIG_INVALID') ? VERIFY_EXIT.usage : VERIFY_EXIT.drift;
}

/** `atlas-migrate verify`: one folder of migrations (and its snapshot) against one database. */
export async function verifyCommand(argv: readonly string[], io: VerifyIo): Promise<number> {
  let target: VerifyTarget;
  let options: { json: boolean; schema: string | undefined };
  try {
    let values;
    try {
      ({ values } = parseArgs({
        args: [...argv],
        options: { url: { type: 'string' }, dir: { type: 'string' }, snapshot: { type: 'string' }, label: { type: 'string' }, schema: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
        strict: true,
        allowPositionals: false,
      }));
    } catch (error) {
      throw new UsageError(messageOf(error));
    }
    if (values.help) {
      io.stdout.write(VERIFY_USAGE);
      return VERIFY_EXIT.ok;
    }
    if (!values.url) throw new UsageError('--url is required');
    if (!values.dir) throw new UsageError('--dir is required');
    checkSchemaName(values.schema);
    const parsedUrl = parseDatabaseUrl(values.url);
    const dir = values.dir.replace(/[/\\]+$/, '');
    const plane = (values.label ?? basename(dir)).toLowerCase();
    const registry = await loadRegistryFromDir(dir, { plane });
    const file = values.snapshot ?? join(dirname(dir), 'schema', `${parsedUrl.kind}.snapshot`);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (cause) {
      throw new UsageError(`Cannot read the schema snapshot ${file}: ${messageOf(cause)}`);
    }
    // A folder's snapshot is checked for its dialect only: the plane name is the folder's, not the snapshot's.
    const snapshot = parseSnapshot(text, file);
    if (snapshot.dialect !== parsedUrl.kind) throw new UsageError(`${file} is a ${snapshot.dialect} snapshot; the database is ${parsedUrl.kind}`);
    target = { registry, url: values.url, snapshot };
    options = { json: values.json ?? false, schema: values.schema };
  } catch (error) {
    return usageFailure(error, io, VERIFY_USAGE);
  }
  return verifyPlanes([target], options, io);
}

/** A plane as the operator commands know it (the same shape as the CLI's `PlaneDefinition`). */
export interface VerifyPlane {
  readonly registry: Registry;
  readonly urlVariable: string;
  readonly sqliteFile: string;
}

const PLANES_USAGE = (planes: readonly VerifyPlane[]) => `Usage: npm run migrate:verify [-- --plane ${planes.map((p) => p.registry.plane).join('|')}] [--json] [--schema NAME]

${planes.map((p) => `  ${p.urlVariable.padEnd(28)}default: sqlite:data/${p.sqliteFile}`).join('\n')}

Compares each plane's database with its registry's schema snapshot, limited to the applied migrations.
Read-only: no lock, nothing written. Extra objects are reported, not an error.
Exit codes: 0 no drift, 1 drift (or a database could not be read), 2 bad usage or configuration.
`;

/** `npm run migrate:verify`: every plane (or `--plane NAME`), URLs from the planes' variables. */
export async function runVerifyPlanesMain(planes: readonly VerifyPlane[], argv: readonly string[], io: VerifyIo, dataDir: string): Promise<number> {
  const usage = PLANES_USAGE(planes);
  let targets: VerifyTarget[];
  let options: { json: boolean; schema: string | undefined };
  try {
    let values;
    try {
      ({ values } = parseArgs({ args: [...argv], options: { plane: { type: 'string' }, schema: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
    } catch (error) {
      throw new UsageError(messageOf(error));
    }
    if (values.help) {
      io.stdout.write(usage);
      return VERIFY_EXIT.ok;
    }
    checkSchemaName(values.schema);
    const selected = planes.filter((p) => values.plane === undefined || p.registry.plane === values.plane);
    if (selected.length === 0) throw new UsageError(`--plane must be one of ${planes.map((p) => p.registry.plane).join(', ')}, got "${String(values.plane)}"`);
    targets = selected.map((p) => ({ registry: p.registry, url: io.env[p.urlVariable]?.trim() || `sqlite:${join(dataDir, p.sqliteFile)}` }));
    for (const t of targets) parseDatabaseUrl(t.url);
    options = { json: values.json ?? false, schema: values.schema };
  } catch (error) {
    return usageFailure(error, io, usage);
  }
  return verifyPlanes(targets, options, io);
}
