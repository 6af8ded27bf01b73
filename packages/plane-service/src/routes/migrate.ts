import { performance } from 'node:perf_hooks';
import { runMigrations } from '@atlasai/migrator-core';
import { Type } from '@sinclair/typebox';
import type { ServiceContext } from '../context.js';
import { engineLogger } from '../logger.js';
import { planeReportJson } from '../plane-json.js';
import type { ServiceApp } from '../request-shape.js';
import { requireServiceSecret } from '../secret.js';

/** `dryRun` is the one parameter; any other (`dryrun`, `dry_run`, `mode`) is a 400, and so is a body. */
const MigrateQuery = Type.Object({ dryRun: Type.Optional(Type.Boolean({ default: false })) }, { additionalProperties: false });

/**
 * `POST /api/db/migrate[?dryRun=true]`: the engine's run, answered with its report. 200 on success, 409 when
 * the lock wait timed out (the message names the holder), 500 when a migration failed. Concurrent calls
 * and other replicas are serialised by the engine's lock. The route reads no body: one sent is a 400.
 */
export function migrateRoute<DB>(app: ServiceApp, context: ServiceContext<DB>): void {
  const { config, registry, database, migrationState } = context;
  app.post(
    '/api/db/migrate',
    { onRequest: requireServiceSecret(config.internalServiceSecret), schema: { querystring: MigrateQuery } },
    async (request, reply) => {
      const mode = request.query.dryRun === true ? 'dry-run' : 'apply';
      const started = performance.now();
      const report = await runMigrations({
        registry,
        dialect: database.migrationDialect,
        mode,
        logger: engineLogger(request.log),
        lockTimeoutMs: config.lockTimeoutMs,
        batch: config.batchMigrations,
      });
      if (mode === 'apply') migrationState.invalidate();
      const durationMs = Math.round(performance.now() - started);
      const line = { plane: config.plane, mode, ok: report.ok, applied: report.applied.map((m) => m.version), durationMs };
      if (report.ok) request.log.info(line, 'migrate call');
      else request.log.error({ ...line, error: report.error }, 'migrate call failed');
      const code = report.ok ? 200 : report.error?.code === 'LOCK_TIMEOUT' ? 409 : 500;
      return reply.code(code).send(planeReportJson(report));
    },
  );
}
