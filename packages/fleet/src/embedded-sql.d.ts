declare module 'virtual:atlas-sql' {
  import type { MigrationFile } from '@atlasai/migrator-core';

  /** The `.sql` files of this package's `sql/` folder, as they were at build time. */
  const files: readonly MigrationFile[];
  export default files;
  /** `atlasMigrations.idempotent` of this package's manifest: every migration skips what already exists. */
  export const idempotent: boolean;
}
