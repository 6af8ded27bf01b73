import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeMigrationFile, migrationsFromFiles, precomputeMigrationFile, type MigrationFile } from './migration.js';

/** The module id a registry package imports its embedded SQL files from. */
export const EMBEDDED_SQL_MODULE = 'virtual:atlas-sql';

interface EsbuildLikeBuild {
  onResolve(options: { filter: RegExp }, callback: (args: { path: string }) => { path: string; namespace: string }): void;
  onLoad(options: { filter: RegExp; namespace: string }, callback: () => Promise<{ contents: string; loader: 'js'; watchDirs: string[] }>): void;
}

/** Files PostgreSQL runs: its own and the shared ones. */
const runsOnPostgres = (fileName: string) => !fileName.endsWith('.sqlite.sql');

/**
 * An esbuild (tsup) plugin that embeds every `.sql` file of `dir` into the bundle as
 * `virtual:atlas-sql`, so a built registry reads no file at run time. The files are validated at build
 * time: a malformed name or duplicate version fails the build. Each file carries its precomputed checksum,
 * and PostgreSQL's files their precomputed split.
 */
export function embedSqlPlugin(dir: string): { name: string; setup(build: EsbuildLikeBuild): void } {
  return {
    name: 'atlas-embed-sql',
    setup(build) {
      // A relative name keeps the checkout's absolute path out of the bundle.
      build.onResolve({ filter: /^virtual:atlas-sql$/ }, () => ({ path: 'sql', namespace: 'atlas-sql' }));
      build.onLoad({ filter: /.*/, namespace: 'atlas-sql' }, async () => {
        const files: MigrationFile[] = readdirSync(dir)
          .filter((fileName) => fileName.endsWith('.sql'))
          .sort()
          .map((fileName) => decodeMigrationFile(fileName, readFileSync(join(dir, fileName))));
        migrationsFromFiles(files);
        // Each file carries its checksum and transaction mode, computed here: a built registry hashes nothing at boot.
        // PostgreSQL's files also carry their split (statements.ts), so that a built registry parses nothing
        // either, and a boot with migrations to apply never loads the parser.
        const { precomputePostgresSplit } = await import('./dialects/postgres/statements.js');
        const embedded = await Promise.all(
          files.map(async (file) => {
            const precomputed = precomputeMigrationFile(file);
            const postgresSplit = runsOnPostgres(file.fileName) ? await precomputePostgresSplit(file.text) : undefined;
            return postgresSplit ? { ...precomputed, precomputed: { ...precomputed.precomputed!, postgresSplit } } : precomputed;
          }),
        );
        // As JSON text in a string: JSON.parse reads thousands of files at start-up about twice as fast as
        // V8 parses the same object literal.
        const json = JSON.stringify(embedded);
        return { contents: `export default JSON.parse(${JSON.stringify(json)});`, loader: 'js', watchDirs: [dir] };
      });
    },
  };
}

export { EMBEDDED_SCHEMA_MODULE, embedSnapshotsPlugin } from './schema/embed-snapshots.js';
