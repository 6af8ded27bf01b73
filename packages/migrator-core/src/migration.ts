import { MigratorError } from './errors.js';
import { refuseNulInText } from './read-migration-file.js';
import { createSha256 } from './sha256.js';
import {
  SQL_VARIANTS,
  CHECKSUM_ALGORITHM,
  NO_TRANSACTION_MARKER,
  type SqlVariant,
  type MigrationScript,
  type Migration,
  type MigrationFile,
} from './migration-types.js';
import { statementsChecksumOf } from './dialects/statements-checksum.js';

export { decodeMigrationFile } from './read-migration-file.js';

export * from './migration-types.js';

const NAME_PATTERN = /^[a-z0-9_]+$/;
const FILE_PATTERN = /^(\d+)_(.+?)(?:\.(postgres|sqlite))?\.sql$/;

/**
 * Normalises SQL before hashing: BOM, CRLF/CR line endings, trailing whitespace on each line and
 * trailing blank lines are not changes.
 */
export function normalizeSql(sql: string): string {
  // One pass per rule over the whole text (linear in size), no per-line arrays. Each step returns its
  // input unchanged when it finds nothing, so a clean file is not copied.
  const noBom = sql.charCodeAt(0) === 0xfeff ? sql.slice(1) : sql;
  const lf = noBom.includes('\r') ? noBom.replace(/\r\n?/g, '\n') : noBom;
  const trimmed = /[ \t\f\v](?:\n|$)/.test(lf) ? lf.replace(/[ \t\f\v]+(?=\n|$)/g, '') : lf;
  let end = trimmed.length;
  while (end > 0 && trimmed.charCodeAt(end - 1) === 10) end--;
  return end === trimmed.length ? trimmed : trimmed.slice(0, end);
}

export function checksumSql(sql: string): string {
  return checksumOfNormalized(normalizeSql(sql));
}

/** Characters hashed at a time: hashing a string encodes it to UTF-8 first, and a 50 MB file need not be copied whole. */
const HASH_CHUNK = 1 << 20;

function checksumOfNormalized(normalized: string): string {
  const hash = createSha256();
  for (let start = 0; start < normalized.length; ) {
    let end = Math.min(start + HASH_CHUNK, normalized.length);
    // Never between the two halves of a surrogate pair: each half alone would encode as U+FFFD.
    const last = normalized.charCodeAt(end - 1);
    if (end < normalized.length && last >= 0xd800 && last <= 0xdbff) end++;
    hash.update(normalized.slice(start, end), 'utf8');
    start = end;
  }
  return hash.digest('hex');
}

/** Whether normalised SQL runs in a transaction: its first line is not the no-transaction marker. */
function transactionalOfNormalized(normalized: string): boolean {
  const newline = normalized.indexOf('\n');
  return (newline === -1 ? normalized : normalized.slice(0, newline)).trim() !== NO_TRANSACTION_MARKER;
}

/**
 * Other tools' directives, which this engine would otherwise read as comments: a down section would run
 * right after the up one, and a no-transaction directive would be ignored.
 */
const FOREIGN_DIRECTIVES: readonly { pattern: RegExp; says: string }[] = [
  {
    pattern: /^--\s*migrate:down\b/i,
    says: "is dbmate's down section: it would run right after the up part. This tool is forward-only: delete the down section",
  },
  {
    pattern: /^--\s*\+goose\s+down\b/i,
    says: "is goose's down section: it would run right after the up part. This tool is forward-only: delete the down section",
  },
  { pattern: /^--\s*atlas:txmode\s+none\b/i, says: `is Ariga Atlas's no-transaction directive; this tool's is a first line "${NO_TRANSACTION_MARKER}"` },
  { pattern: /^--!\s*no-transaction\b/i, says: `is graphile-migrate's no-transaction directive; this tool's is a first line "${NO_TRANSACTION_MARKER}"` },
  { pattern: /^--\s*\+goose\s+no\s+transaction\b/i, says: `is goose's no-transaction directive; this tool's is a first line "${NO_TRANSACTION_MARKER}"` },
];

/** Every line any directive could be on (a superset, for a quick first look at the whole file). */
const MAYBE_DIRECTIVE = /^\s*--(?:!|\s*(?:migrate:|\+goose|atlas:txmode))/im;

function refuseForeignDirectives(file: string, normalized: string): void {
  if (!MAYBE_DIRECTIVE.test(normalized)) return;
  // Every directive starts with "--": only the lines holding one are looked at, and lines are counted
  // once, front to back (linear in the file's size).
  let lineNumber = 1;
  let counted = 0;
  for (let at = normalized.indexOf('--'); at !== -1; ) {
    const start = normalized.lastIndexOf('\n', at) + 1;
    let end = normalized.indexOf('\n', at);
    if (end === -1) end = normalized.length;
    for (; counted < start; counted++) if (normalized.charCodeAt(counted) === 10) lineNumber++;
    const line = normalized.slice(start, end).trim();
    const found = FOREIGN_DIRECTIVES.find((d) => d.pattern.test(line));
    if (found) throw invalidFile(file, `line ${lineNumber}: "${line}" ${found.says}`);
    at = normalized.indexOf('--', end);
  }
}

/** Normalises and hashes a file once, whichever dialects share it; the build may have done it already. */
function scriptOf(file: MigrationFile): MigrationScript {
  const { fileName: name, text: sql, precomputed } = file;
  if (precomputed && precomputed.checksumAlgorithm === CHECKSUM_ALGORITHM) {
    const split = precomputed.postgresSplit ? { precomputedSplit: precomputed.postgresSplit } : {};
    const statements = precomputed.statementsChecksums ? { precomputedStatementsChecksums: precomputed.statementsChecksums } : {};
    return Object.freeze({ file: name, sql, transactional: precomputed.transactional, checksum: precomputed.checksum, ...split, ...statements });
  }
  // Files read from disk passed this check already; a text handed over in memory has not.
  refuseNulInText(name, sql);
  const normalized = normalizeSql(sql);
  refuseForeignDirectives(name, normalized);
  return Object.freeze({ file: name, sql, transactional: transactionalOfNormalized(normalized), checksum: checksumOfNormalized(normalized) });
}

/** The script of a deferred file: read, normalised and hashed when something first asks for its SQL or checksum. */
function deferredScriptOf(file: MigrationFile): MigrationScript {
  let script: MigrationScript | undefined;
  const load = () => (script ??= scriptOf(file));
  return Object.freeze({
    file: file.fileName,
    get sql() {
      return load().sql;
    },
    get transactional() {
      return load().transactional;
    },
    get checksum() {
      return load().checksum;
    },
  });
}

/** What the embed plugin stores with each file, so that a built registry hashes nothing at run time. */
export function precomputeMigrationFile(file: MigrationFile): MigrationFile {
  const script = scriptOf({ fileName: file.fileName, text: file.text });
  const variant = /\.(postgres|sqlite)\.sql$/.exec(file.fileName)?.[1] as SqlVariant | undefined;
  const statementsChecksums = Object.fromEntries((variant ? [variant] : SQL_VARIANTS).map((v) => [v, statementsChecksumOf(script, v)]));
  return {
    fileName: file.fileName,
    text: file.text,
    precomputed: { checksum: script.checksum, checksumAlgorithm: CHECKSUM_ALGORITHM, transactional: script.transactional, statementsChecksums },
  };
}

interface FileGroup {
  version: number;
  /** The file names' `<version>_<name>` as written, leading zeros and all. */
  stem: string;
  name: string;
  shared?: MigrationFile;
  variants: Partial<Record<SqlVariant, MigrationFile>>;
}

function invalidFile(fileName: string, reason: string): MigratorError {
  return new MigratorError('REGISTRY_INVALID', `Invalid migration file ${fileName}: ${reason}`, { file: fileName });
}

function groupFiles(files: readonly MigrationFile[]): Map<number, FileGroup> {
  const groups = new Map<number, FileGroup>();
  for (const file of files) {
    const match = FILE_PATTERN.exec(file.fileName);
    if (!match) {
      throw invalidFile(file.fileName, 'expected <version>_<name>.sql, <version>_<name>.postgres.sql or <version>_<name>.sqlite.sql');
    }
    const [, digits = '', name = '', variant] = match;
    const version = Number(digits);
    if (!Number.isSafeInteger(version) || version <= 0) throw invalidFile(file.fileName, 'the version must be a positive integer');
    if (!NAME_PATTERN.test(name)) throw invalidFile(file.fileName, `the name "${name}" must match [a-z0-9_]+`);
    const group = groups.get(version) ?? { version, stem: `${digits}_${name}`, name, variants: {} };
    if (group.name !== name) {
      throw invalidFile(file.fileName, `version ${version} is also named "${group.name}" by another file (duplicate version)`);
    }
    const taken =
      variant === undefined
        ? group.shared !== undefined || Object.keys(group.variants).length > 0
        : group.shared !== undefined || group.variants[variant as SqlVariant] !== undefined;
    if (taken) throw invalidFile(file.fileName, `version ${version} is defined by more than one file (duplicate version)`);
    if (variant === undefined) group.shared = file;
    else group.variants[variant as SqlVariant] = file;
    groups.set(version, group);
  }
  return groups;
}

/**
 * Turns the files of a migration folder into migrations, sorted by version. Rejects malformed names,
 * duplicate versions and a dialect file without its partner, naming the file.
 */
export function migrationsFromFiles(files: readonly MigrationFile[]): Migration[] {
  const sqlFiles = files.filter((file) => file.fileName.endsWith('.sql'));
  const migrations: Migration[] = [];
  for (const group of groupFiles(sqlFiles).values()) {
    const scripts = {} as Record<SqlVariant, MigrationScript>;
    // A file shared by both dialects is one script: normalised and hashed once.
    const shared = group.shared ? scriptOf(group.shared) : undefined;
    for (const variant of SQL_VARIANTS) {
      const file = group.variants[variant] ?? group.shared;
      if (!file) {
        const present = Object.values(group.variants)[0]?.fileName ?? String(group.version);
        throw invalidFile(present, `no ${variant} file for version ${group.version} (expected ${group.stem}.${variant}.sql)`);
      }
      scripts[variant] = file === group.shared ? shared! : file.deferred ? deferredScriptOf(file) : scriptOf(file);
    }
    migrations.push(Object.freeze({ version: group.version, name: group.name, scripts: Object.freeze(scripts) }));
  }
  return migrations.sort((a, b) => a.version - b.version);
}
