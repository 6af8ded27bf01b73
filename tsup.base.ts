import type { Options } from 'tsup';

/** What every package builds the same way: ESM for Node 20, with declarations and source maps. */
export const baseTsupOptions = {
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  dts: true,
  sourcemap: true,
  clean: true,
} satisfies Options;
