import { createDialect, type DialectOptions } from '../dialects/index.js';
import { isMigratorError, messageOf } from '../errors.js';
import { VERIFY_SCHEMA_VERSION } from '../report.js';
import { renderVerification } from '../schema/render-drift.js';
import { verifySchema, type SchemaVerification } from '../schema/verify-schema.js';
import { parseDatabaseUrl } from '../dialects/target.js';
import { EXIT, lineWriter, redactorOf, type CliIo } from './io.js';
import { cliLogger, logLevel } from './logging.js';
import { writeTargetLine } from './target-line.js';
import type { PlaneTarget } from './targets.js';

/**
 * `verify`: each plane's database against its registry's snapshot, in order, read-only. Prints text or
 * one JSON document. Exit 0 no drift (extra objects allowed), 1 drift or a database that could not be
 * read, 2 configuration (a plane without a snapshot for its dialect or with one older than its registry, or without its driver).
 */
export async function verifyPlanes(
  planes: readonly PlaneTarget[],
  options: { json: boolean; dialect: DialectOptions; regenerate?: string },
  io: CliIo,
): Promise<number> {
  const targets = planes.map((p) => parseDatabaseUrl(p.url));
  const redact = redactorOf(targets);
  const logger = await cliLogger(io, logLevel(io.env), redact);
  const results: SchemaVerification[] = [];
  for (const [i, plane] of planes.entries()) {
    const base = {
      plane: plane.registry.plane,
      target: targets[i]!.redacted,
      dialect: targets[i]!.kind,
      ok: false,
      appliedVersions: [],
      expectedObjects: 0,
      findings: [],
      staleSnapshot: null,
    };
    writeTargetLine(io, plane, targets[i]!, redact);
    let dialect: Awaited<ReturnType<typeof createDialect>>;
    try {
      dialect = await createDialect(targets[i]!, logger, options.dialect);
    } catch (error) {
      // A missing driver: this plane cannot be verified, the next one still is.
      results.push({ ...base, error: { code: isMigratorError(error) ? error.code : 'CONFIG_INVALID', message: messageOf(error) } });
      continue;
    }
    results.push(await verifySchema({ registry: plane.registry, dialect, ...(options.regenerate ? { regenerate: options.regenerate } : {}) }));
  }
  const ok = results.every((r) => r.ok);
  lineWriter(
    io.stdout,
    redact,
  )(options.json ? [JSON.stringify({ schemaVersion: VERIFY_SCHEMA_VERSION, ok, planes: results }, null, 2)] : renderVerification(results));
  if (ok) return EXIT.ok;
  // A plane without a snapshot for its dialect, or without its driver, is a configuration problem, not drift.
  return results.every((r) => r.ok || r.error?.code === 'CONFIG_INVALID') ? EXIT.usage : EXIT.failed;
}
