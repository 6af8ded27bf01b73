declare module 'virtual:atlas-sql' {
  import type { MigrationFile } from '@atlasai/migrator-core';

  /** The `.sql` files of this package's `sql/` folder, as they were at build time. */
  const files: readonly MigrationFile[];
  export default files;
}
