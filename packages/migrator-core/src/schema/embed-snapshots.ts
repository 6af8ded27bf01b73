import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SQL_VARIANTS } from '../migration.js';
import { parseSnapshot } from './snapshot-format.js';

/** The module id a registry package imports its embedded schema snapshots from. */
export const EMBEDDED_SCHEMA_MODULE = 'virtual:atlas-schema';

interface EsbuildLikeBuild {
  onResolve(options: { filter: RegExp }, callback: (args: { path: string }) => { path: string; namespace: string }): void;
  onLoad(options: { filter: RegExp; namespace: string }, callback: () => { contents: string; loader: 'js'; watchDirs: string[] }): void;
}

/**
 * An esbuild (tsup) plugin that embeds `dir/postgres.snapshot` and `dir/sqlite.snapshot` as
 * `virtual:atlas-schema` (`{ postgres: text | null, sqlite: text | null }`), so a built registry compares
 * with its snapshot without reading files at run time. A malformed snapshot fails the build; a missing
 * one is null (a new registry before its first `pnpm schema:snapshot`).
 */
export function embedSnapshotsPlugin(dir: string): { name: string; setup(build: EsbuildLikeBuild): void } {
  return {
    name: 'atlas-embed-schema',
    setup(build) {
      build.onResolve({ filter: /^virtual:atlas-schema$/ }, () => ({ path: 'schema', namespace: 'atlas-schema' }));
      build.onLoad({ filter: /.*/, namespace: 'atlas-schema' }, () => {
        const texts: Record<string, string | null> = {};
        for (const variant of SQL_VARIANTS) {
          const file = join(dir, `${variant}.snapshot`);
          const text = existsSync(file) ? readFileSync(file, 'utf8') : null;
          if (text !== null) parseSnapshot(text, `schema/${variant}.snapshot`);
          texts[variant] = text;
        }
        return { contents: `export default ${JSON.stringify(texts)};`, loader: 'js', watchDirs: [dir] };
      });
    },
  };
}
