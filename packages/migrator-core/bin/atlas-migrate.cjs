#!/usr/bin/env node
'use strict';
// The program, not the library, chooses how this process compiles WebAssembly: Liftoff only. The
// PostgreSQL parser (libpg-query) is a large WebAssembly module parsed once per run; V8's optimising
// tier would compete with the parse for the machine's cores and hold ~50 MB more (docs/benchmarks.md,
// "No process-wide tricks"). Set first, before anything compiles. The engine itself sets no flag, so a
// service that embeds it compiles as that service's process chose.
require('node:v8').setFlagsFromString('--liftoff-only');
// CommonJS on purpose: Node 20 loads the engine's CommonJS build about 10 ms faster than its ESM graph
// (no URL resolution and module linking per chunk), which is most of a no-op run's own cost.
const { main, processIo } = require('../dist/cli.cjs');

main(process.argv.slice(2), processIo()).then((code) => {
  process.exitCode = code;
});
