import { fileURLToPath } from 'node:url';
import { embedSqlPlugin } from '@atlasai/migrator-core/embed-sql';
import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  dts: true,
  sourcemap: true,
  clean: true,
  esbuildPlugins: [embedSqlPlugin(fileURLToPath(new URL('./sql', import.meta.url)))],
});
