#!/usr/bin/env node
// npm run migrate:fleet -- run|plan|scan|status|watch|pause|resume|retry|cancel: fleet migrations of every
// dedicated tenant database, from the Control Plane (CONTROL_PLANE_DATABASE_URL, PostgreSQL).
import { fleetMain } from '../packages/fleet/dist/cli/main.js';

process.exitCode = await fleetMain(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
