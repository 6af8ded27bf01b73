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

/**
 * Left outside a service's bundle: the workspace packages that find files beside their own build
 * (`import.meta.url`: a registry's `sql/`, the repository's `data/` and `.env`, the engine's own
 * package.json), the native SQLite driver, and pg, which the engine loads too (one copy, resolved from
 * the app's own dependencies).
 */
const SERVICE_EXTERNAL = '(@atlasai/(migrator-core|planes|tenant-migrations|control-migrations)(/.*)?|better-sqlite3|pg|pg-native)';

/**
 * A service's `main.js` (the process `node apps/<plane>-plane/dist/main.js` starts), built as one file with
 * its third-party dependencies (Fastify, Kysely, TypeBox, pino, pg-boss, …) and the shared service code:
 * Node 20 then reads one file instead of ~900 small ones, and a boot costs ~0.35 s less CPU
 * (docs/benchmarks.md, "The suite, a third time"). The app's `index.js` (what tests and other packages import)
 * is built as every package is. CommonJS dependencies inside an ES module need `require`: the banner
 * gives the bundle one of its own, as Node's documentation shows.
 */
export const serviceMainOptions = {
  ...baseTsupOptions,
  entry: ['src/main.ts'],
  dts: false,
  // The other build of the same folder cleans dist/ (sparing main.js), so this one does not.
  clean: false,
  noExternal: [new RegExp(`^(?!${SERVICE_EXTERNAL}$)`)],
  external: [new RegExp(`^${SERVICE_EXTERNAL}$`)],
  banner: { js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);" },
} satisfies Options;

/** The app's library build beside the bundled main.js: its clean spares main.js and its map. */
export function serviceLibraryOptions(entry: string[]): Options {
  return { ...baseTsupOptions, entry, clean: ['!main.js', '!main.js.map'] };
}
