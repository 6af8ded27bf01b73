#!/usr/bin/env node
'use strict';
// CommonJS on purpose: Node 20 loads the engine's CommonJS build about 10 ms faster than its ESM graph
// (no URL resolution and module linking per chunk), which is most of a no-op run's own cost (issue 12).
const { main, processIo } = require('../dist/cli.cjs');

main(process.argv.slice(2), processIo()).then((code) => {
  process.exitCode = code;
});
