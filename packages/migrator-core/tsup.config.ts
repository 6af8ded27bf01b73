import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';
import { baseTsupOptions } from '../../tsup.base.js';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

export default defineConfig({
  ...baseTsupOptions,
  entry: ['src/index.ts', 'src/cli.ts', 'src/embed-sql.ts'],
  format: ['esm', 'cjs'],
  splitting: true,
  // `import.meta.url` in the CommonJS build (createRequire of the PostgreSQL driver).
  shims: true,
  // `atlas-migrate --version` prints the package's own version, with no file read at run time.
  define: { __ATLAS_VERSION__: JSON.stringify(version) },
});
