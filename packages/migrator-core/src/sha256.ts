import type { Hash } from 'node:crypto';
import { createRequire } from 'node:module';

/**
 * SHA-256, with `node:crypto` loaded on first use: loading it takes about 8 ms, which the commands that
 * hash nothing never pay (`--version`, `--help`, a SQLite run from a built registry, whose
 * checksums were computed at build time; pg loads it for itself). See docs/benchmarks.md.
 */
let crypto: typeof import('node:crypto') | undefined;

export function createSha256(): Hash {
  crypto ??= createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return crypto.createHash('sha256');
}
