#!/usr/bin/env node
/**
 * One fleet replica as its own process, for the bench's kill trials: the fleet's options the CLI does not
 * expose (job expiry, pg-boss maintenance interval, retry delay) come from a JSON argument.
 * `node fleet-replica.mjs <run-id> '<options json>'`: works the run until it ends or halts, then closes;
 * `node fleet-replica.mjs --create '<options json>'` creates an apply run over the fleet and prints its id.
 * Prints one JSON line with the run's final state.
 */
import { join } from 'node:path';

const REPO = new URL('../../../', import.meta.url).pathname;
const { openFleet } = await import(join(REPO, 'packages', 'fleet', 'dist', 'index.js'));
const { silentLogger } = await import(join(REPO, 'packages', 'migrator-core', 'dist', 'index.js'));

const [runArg, json] = process.argv.slice(2);
const fleet = await openFleet({ controlUrl: process.env.CONTROL_PLANE_DATABASE_URL, logger: silentLogger, ...JSON.parse(json) });
if (runArg === '--create') {
  // The run's job policy (expiry, retries, expiry checks) is this process's options: every replica keeps it.
  const run = await fleet.createRun({ mode: 'apply', createdBy: 'bench' });
  await fleet.close();
  process.stdout.write(`${JSON.stringify({ id: run.id, takeoverBoundSeconds: run.takeoverBoundSeconds })}\n`);
  process.exit(0);
}
const runId = runArg;
const stop = () => void fleet.close().finally(() => process.exit(143));
process.once('SIGTERM', stop);
await fleet.work();
const end = await fleet.waitForRun(runId);
await fleet.close();
process.stdout.write(`${JSON.stringify({ state: end.state, counts: end.counts })}\n`);
