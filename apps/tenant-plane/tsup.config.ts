import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/plane.ts', 'src/migrate.ts'],
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  dts: true,
  sourcemap: true,
  clean: true,
});
