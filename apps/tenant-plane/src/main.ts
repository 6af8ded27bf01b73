// `node apps/tenant-plane/dist/main.js` (or `pnpm --filter @atlasai/tenant-plane start`): boots the Tenant
// Plane. The only place that exits the process.
import { bootService } from '@atlasai/plane-service';
import closeWithGrace from 'close-with-grace';
import { createApp } from './app.js';
import { DEFAULT_DATA_DIR, DEFAULT_ENV_FILE, tenantService } from './config.js';

const booted = await bootService(
  tenantService,
  { env: process.env, dataDir: DEFAULT_DATA_DIR, envFile: DEFAULT_ENV_FILE, isTerminal: process.stdout.isTTY === true },
  createApp,
);
if (!booted.ok) process.exit(booted.exitCode);
const { service } = booted;

// No delay of our own: a running migration is never cut short; the orchestrator's grace period bounds it.
closeWithGrace({ delay: false, logger: { error: (message: unknown) => service.log.error(String(message)) } }, async ({ signal, err }) => {
  if (err) service.log.error({ err }, 'uncaught error: shutting down');
  else service.log.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
  await service.close();
});
