import { join } from 'node:path';
import { migrationsFromFiles, precomputeMigrationFile, type MigrationFile } from './migration.js';
import { ignoredFileWarning, listMigrationFolder } from './migration-folder.js';
import { readMigrationFileSync } from './read-migration-file.js';
import { readRegistryManifest } from './registry.js';

/** The module id a registry package imports its embedded SQL files from. */
export const EMBEDDED_SQL_MODULE = 'virtual:atlas-sql';

interface EsbuildLikeBuild {
  onResolve(options: { filter: RegExp }, callback: (args: { path: string }) => { path: string; namespace: string }): void;
  onLoad(
    options: { filter: RegExp; namespace: string },
    callback: () => Promise<{ contents: string; loader: 'js'; watchDirs: string[]; warnings: { text: string }[] }>,
  ): void;
}

/** Files PostgreSQL runs: its own and the shared ones. */
const runsOnPostgres = (fileName: string) => !fileName.endsWith('.sqlite.sql');

/**
 * An esbuild (tsup) plugin that embeds every `.sql` file of `dir` into the bundle as
 * `virtual:atlas-sql`, so a built registry reads no file at run time. The files are validated at build
 * time: a malformed name, a duplicate version, a file that is not UTF-8 or holds a NUL byte fails the
 * build; a file it will not read that looks like a migration is a build warning. Each file carries its
 * precomputed checksum, and PostgreSQL's files their precomputed split. The module also exports
 * `idempotent`, what the registry package's manifest declares (`atlasMigrations.idempotent`).
 */
export function embedSqlPlugin(dir: string): { name: string; setup(build: EsbuildLikeBuild): void } {
  return {
    name: 'atlas-embed-sql',
    setup(build) {
      // A relative name keeps the checkout's absolute path out of the bundle.
      build.onResolve({ filter: /^virtual:atlas-sql$/ }, () => ({ path: 'sql', namespace: 'atlas-sql' }));
      build.onLoad({ filter: /.*/, namespace: 'atlas-sql' }, async () => {
        // The same listing and the same gate (UTF-8, no NUL byte) as a folder read at run time.
        const folder = listMigrationFolder(dir);
        const files: MigrationFile[] = folder.sqlNames.map((fileName) => readMigrationFileSync(join(dir, fileName), fileName));
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
        const warnings = folder.ignored.map((file) => ({ text: ignoredFileWarning(dir, file) }));
        const idempotent = (await readRegistryManifest(dir))?.idempotent === true;
        return {
          contents: `export default JSON.parse(${JSON.stringify(json)});\nexport const idempotent = ${idempotent};`,
          loader: 'js',
          watchDirs: [dir],
          warnings,
        };
      });
    },
  };
}

export { EMBEDDED_SCHEMA_MODULE, embedSnapshotsPlugin } from './schema/embed-snapshots.js';
