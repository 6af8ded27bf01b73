import { isAbsolute, relative } from 'node:path';
import type { Registry } from './registry.js';

/** The first 12 hex characters of a checksum: enough to tell two apart in a message. */
export function shortHash(checksum: string | null): string {
  if (checksum === null) return 'none';
  const hex = checksum.slice(checksum.lastIndexOf(':') + 1);
  return hex.slice(0, 12);
}

/** A word as a POSIX shell reads it back unchanged: quoted only when it has to be. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./*-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The registry's folder as an operator in the current directory would type it. */
function shownDir(dir: string): string {
  if (!isAbsolute(dir)) return dir;
  const fromHere = relative(process.cwd(), dir);
  return fromHere !== '' && !fromHere.startsWith('..') && !isAbsolute(fromHere) ? fromHere : dir;
}

/**
 * The published tool's command that re-records an applied migration's checksum, with the plane's folder
 * and database filled in (the target as every output shows it: redacted). Whatever ran the migrations
 * (atlas-migrate, the repository's scripts, a service at boot), this is the command that repairs it.
 */
export function repairCommand(registry: Registry, target: string | undefined, version: number): string {
  const dir = registry.sqlDir === undefined ? '<folder of the migrations>' : shellWord(shownDir(registry.sqlDir));
  const url = target === undefined ? '<database URL>' : shellWord(target);
  return `atlas-migrate repair --dir ${dir} --url ${url} --version ${version} --reason "…"`;
}

/** The published tool's command that compares the plane's database with its registry's snapshot, filled in as `repairCommand`'s is. */
export function verifyCommand(registry: Registry, target: string | undefined): string {
  const dir = registry.sqlDir === undefined ? '<folder of the migrations>' : shellWord(shownDir(registry.sqlDir));
  const url = target === undefined ? '<database URL>' : shellWord(target);
  return `atlas-migrate verify --dir ${dir} --url ${url}`;
}
