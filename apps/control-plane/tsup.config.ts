import { defineConfig } from 'tsup';
import { serviceLibraryOptions, serviceMainOptions } from '../../tsup.base.js';

// The library (index.js, migrate.js) as every package builds; the service's main.js as one bundle.
export default defineConfig([serviceLibraryOptions(['src/index.ts', 'src/migrate.ts']), serviceMainOptions]);
