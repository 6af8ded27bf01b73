import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

/**
 * Biome wraps code at biome.json's lineWidth but never splits a string or template literal, so a long message
 * or SQL text stays one long line unless it is written as concatenated pieces: this keeps every line of the
 * shipped and operator-facing code within the width.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WIDTH = (JSON.parse(readFileSync(join(ROOT, 'biome.json'), 'utf8')) as { formatter: { lineWidth: number } }).formatter.lineWidth;
const SOURCE = /\.(ts|mts|mjs|cjs)$/;

function sourceFiles(dir: string): string[] {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'dist' ? [] : sourceFiles(path);
    return SOURCE.test(entry.name) ? [path] : [];
  });
}

const subdirectories = (dir: string): string[] =>
  readdirSync(join(ROOT, dir), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(ROOT, dir, entry.name));

const FILES = [
  ...subdirectories('packages').flatMap((pkg) => [...sourceFiles(join(pkg, 'src')), ...sourceFiles(join(pkg, 'bin'))]),
  ...subdirectories('apps').flatMap((app) => sourceFiles(join(app, 'src'))),
  ...sourceFiles(join(ROOT, 'scripts')),
];

it('the line-length check finds the source of every package, app, script and bin', () => {
  const found = (part: string) => FILES.some((file) => relative(ROOT, file).startsWith(part));
  expect(['packages/migrator-core/src/', 'packages/migrator-core/bin/', 'apps/control-plane/src/', 'scripts/'].filter((part) => !found(part))).toEqual([]);
});

it(`no line of a package's or app's src/, scripts/ or a bin is over ${WIDTH} columns: long strings are split into concatenated pieces`, () => {
  const over = FILES.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line, index) => ([...line].length > WIDTH ? [`${relative(ROOT, file)}:${index + 1}: ${[...line].length} columns`] : [])),
  );
  expect(over).toEqual([]);
});
