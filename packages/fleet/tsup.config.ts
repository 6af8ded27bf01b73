import { fileURLToPath } from 'node:url';
import { embedSnapshotsPlugin, embedSqlPlugin } from '@atlasai/migrator-core/embed-sql';
import { defineConfig } from 'tsup';
import { baseTsupOptions } from '../../tsup.base.js';

// The fleet registry's SQL (sql/) and snapshot (schema/) are embedded as the tenant registry's are.
export default defineConfig({
  ...baseTsupOptions,
  entry: ['src/index.ts', 'src/cli/main.ts'],
  esbuildPlugins: [embedSqlPlugin(fileURLToPath(new URL('./sql', import.meta.url))), embedSnapshotsPlugin(fileURLToPath(new URL('./schema', import.meta.url)))],
});
