import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The relative modules a file imports or re-exports, type-only imports and dynamic imports included. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.[^'"]+)['"]/g)].map((m) => m[1]!);
  return specifiers.map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts')));
}

/** Every cycle of the import graph, each once, as the files it passes through (a depth-first search). */
function importCycles(files: readonly string[]): string[][] {
  const graph = new Map(files.map((f) => [f, importsOf(f).filter((i) => files.includes(i))]));
  const cycles = new Map<string, string[]>();
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') {
        const cycle = stack.slice(stack.indexOf(next)).map((f) => relative(src, f));
        cycles.set([...cycle].sort().join(' '), cycle);
      } else if (!state.has(next)) {
        visit(next);
      }
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  return [...cycles.values()];
}

describe('the engine has no import cycle', () => {
  it('no module of src/ reaches itself through its imports (type-only and lazy imports included)', () => {
    expect(importCycles(sourceFiles(src)).map((cycle) => cycle.join(' -> '))).toEqual([]);
  });

  it('finds a cycle through a type-only import, and none once it is broken', () => {
    const dir = mkdtempSync(join(tmpdir(), 'import-cycles-'));
    const [a, b, c] = ['a.ts', 'b.ts', 'c.ts'].map((f) => join(dir, f)) as [string, string, string];
    writeFileSync(a, "import { b } from './b.js';\nexport const a = b;\n");
    writeFileSync(b, "import type { C } from './c.js';\nexport const b = 1 as C;\n");
    writeFileSync(c, "import type { a } from './a.js';\nexport type C = typeof a;\n");
    expect(importCycles([a, b, c]).map((cycle) => cycle.length)).toEqual([3]);
    writeFileSync(c, 'export type C = number;\n');
    expect(importCycles([a, b, c])).toEqual([]);
    rmSync(dir, { recursive: true });
  });
});
