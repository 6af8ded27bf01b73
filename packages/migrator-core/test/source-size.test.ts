import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../src');
const LIMIT = 300;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

it(`no file of the engine's src/ is over ${LIMIT} lines: one about to grow past it is split by concern first`, () => {
  const lines = (file: string) => readFileSync(file, 'utf8').replace(/\n$/, '').split('\n').length;
  const over = sourceFiles(src)
    .filter((file) => lines(file) > LIMIT)
    .map((file) => `${relative(src, file)}: ${lines(file)} lines`);
  expect(over).toEqual([]);
});
