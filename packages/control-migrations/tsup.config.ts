import { fileURLToPath } from 'node:url';
import { embedSnapshotsPlugin, embedSqlPlugin } from '@atlasai/migrator-core/embed-sql';
import { defineConfig } from 'tsup';
import { baseTsupOptions } from '../../tsup.base.js';

export default defineConfig({
  ...baseTsupOptions,
  entry: ['src/index.ts'],
  esbuildPlugins: [embedSqlPlugin(fileURLToPath(new URL('./sql', import.meta.url))), embedSnapshotsPlugin(fileURLToPath(new URL('./schema', import.meta.url)))],
});
