import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { MigratorError, messageOf } from './errors.js';
import type { MigrationFile } from './migration-types.js';

/*
 * The one gate every reader of migration files goes through (a folder read by `up`/`plan`/`verify`/`new`,
 * the build's embedding, which the schema snapshot then applies, and `lint`): a file is valid UTF-8 with
 * no NUL byte, or it is refused before anything runs, naming the file and the byte offset. A NUL is not
 * text: PostgreSQL's protocol ends a query string at it (everything after it is silently dropped) and
 * SQLite ends the statement holding it, so the migration would be recorded as applied with SQL missing.
 */

function refused(fileName: string, reason: string): MigratorError {
  return new MigratorError('REGISTRY_INVALID', `Invalid migration file ${fileName}: ${reason}`, { file: fileName });
}

function nulRefused(fileName: string, offset: number): MigratorError {
  return refused(fileName, `a NUL byte (0x00) at byte offset ${offset}; the database would silently drop the SQL after it. Remove it: a migration is text`);
}

/** Byte offset of the first byte that breaks UTF-8 (RFC 3629: no overlongs, surrogates or code points past U+10FFFF). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const [length, min, max] =
      b < 0x80
        ? [1, 0, 0]
        : b >= 0xc2 && b <= 0xdf
          ? [2, 0x80, 0xbf]
          : b === 0xe0
            ? [3, 0xa0, 0xbf]
            : b === 0xed
              ? [3, 0x80, 0x9f]
              : b >= 0xe1 && b <= 0xef
                ? [3, 0x80, 0xbf]
                : b === 0xf0
                  ? [4, 0x90, 0xbf]
                  : b >= 0xf1 && b <= 0xf3
                    ? [4, 0x80, 0xbf]
                    : b === 0xf4
                      ? [4, 0x80, 0x8f]
                      : [0, 0, 0];
    if (length === 0) return i;
    for (let k = 1; k < length; k++) {
      const c = bytes[i + k];
      // The second byte has the narrower range that rules out overlongs and surrogates.
      if (c === undefined || c < (k === 1 ? min : 0x80) || c > (k === 1 ? max : 0xbf)) return i;
    }
    i += length;
  }
  return -1;
}

/**
 * A migration file's text from its bytes. Anything but valid UTF-8 without NUL bytes is refused, naming
 * the file and the byte offset of the first offending byte: decoding it anyway would store replacement
 * characters, or lose SQL, and exit 0.
 */
export function decodeMigrationFile(fileName: string, bytes: Uint8Array): MigrationFile {
  // The native checks are fast; the byte-by-byte one runs only to name the offset in a bad file.
  const nul = bytes.indexOf(0);
  const bad = isUtf8(bytes) ? -1 : firstInvalidUtf8(bytes);
  if (bad !== -1 && (nul === -1 || bad < nul)) {
    const shown = Array.from(bytes.subarray(bad, bad + 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw refused(fileName, `not valid UTF-8 at byte offset ${bad} (bytes ${shown}); save it as UTF-8`);
  }
  if (nul !== -1) throw nulRefused(fileName, nul);
  return { fileName, text: new TextDecoder('utf-8').decode(bytes) };
}

/**
 * The same NUL check for a text already in memory (a registry defined from files its caller read): the
 * offset is that of the text's UTF-8 encoding.
 */
export function refuseNulInText(fileName: string, text: string): void {
  const at = text.indexOf('\0');
  if (at !== -1) throw nulRefused(fileName, Buffer.byteLength(text.slice(0, at), 'utf8'));
}

/**
 * A file's text, decoded as it is read: no buffer of its bytes is left for the garbage collector (a 50 MB
 * file would otherwise be held twice). A U+FFFD or a NUL in the text may stand for a byte the gate refuses:
 * only then are the bytes read again and given to `decodeMigrationFile`, which refuses the file with the
 * offset or accepts it. `shownName` is the name errors print.
 */
export function readMigrationFileSync(path: string, shownName: string): MigrationFile {
  let text: string;
  let bytes: Buffer | undefined;
  try {
    text = readFileSync(path, 'utf8');
    if (text.includes('\uFFFD') || text.includes('\0')) bytes = readFileSync(path);
  } catch (cause) {
    throw new MigratorError('CONFIG_INVALID', `Cannot read migration file ${path}: ${messageOf(cause)}`, { file: shownName, cause });
  }
  if (bytes) return decodeMigrationFile(shownName, bytes);
  // As TextDecoder (decodeMigrationFile) does: a byte order mark is not part of the text.
  return { fileName: shownName, text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
}
