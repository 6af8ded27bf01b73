import type { FailedMigration, MigrationReport, PlaneReport, RunMode } from './report.js';
import { renderDriftWarnings, renderFinding } from './schema/render-drift.js';
import type { PlaneStatus } from './status.js';
import { BASELINE_HINT, describeObjects } from './unrecorded-schema.js';

/** The operator guide's output format. Pure: lines in, nothing printed. */
export const REPORT_TITLE = '=== AtlasAI Versioned Migration Runner ===';

export function renderHeader(mode: RunMode): string[] {
  return [REPORT_TITLE, `Mode: ${mode === 'dry-run' ? 'DRY RUN' : 'APPLY'}`];
}

function list(versions: readonly number[]): string {
  return versions.join(', ');
}

/** What a failed migration left behind, in the words of the database's own transaction state. */
function renderAftermath(tag: string, version: number, failed: FailedMigration): string {
  const committed = list(failed.committedStatements);
  switch (failed.outcome) {
    case 'not-run':
      return `${tag} Migration ${version} was not run: nothing of it is recorded as applied.`;
    case 'unknown':
      return `${tag} The connection was lost while migration ${version} was committing: whether it committed is unknown; schema_migrations, which commits with it, tells (atlas-migrate status --dir … --url …).`;
    case 'partly-committed':
      return failed.transactional
        ? `${tag} Migration ${version}'s transaction was ended by one of its statements: statement(s) ${committed} committed and stay; it is not recorded as applied.`
        : `${tag} Migration ${version} ran without a transaction: statement(s) ${committed} committed and stay; it is not recorded as applied, and the next run starts it again from its first statement.`;
    case 'rolled-back':
      return failed.transactional
        ? `${tag} Migration ${version} was rolled back: nothing of it is recorded as applied.`
        : `${tag} Migration ${version} ran without a transaction and none of its statements had committed: nothing of it stays or is recorded as applied.`;
  }
}

function renderError(tag: string, plane: PlaneReport): string[] {
  const error = plane.error!;
  if (error.migration === null || error.version === null) return [`${tag} Error: ${error.code}: ${error.message}`, ...(error.hint ? [`${tag}   Hint: ${error.hint}`] : [])];
  const at = [error.statement === null ? (error.line === null ? null : 'parsing') : `statement ${error.statement}`, error.line === null ? null : `line ${error.line}`, error.column === null ? null : `column ${error.column}`].filter(Boolean);
  const code = error.sqlstate ? `SQLSTATE ${error.sqlstate}` : error.dbCode ?? error.code;
  const lines = [
    `${tag} Errors: 1 migration(s) failed: ${error.version}`,
    `${tag} Error in migration ${error.version} (${error.name})${at.length > 0 ? ` at ${at.join(', ')}` : ''}: ${code}: ${error.message}`,
  ];
  if (error.detail) lines.push(`${tag}   Detail: ${error.detail}`);
  if (error.hint) lines.push(`${tag}   Hint: ${error.hint}`);
  lines.push(renderAftermath(tag, error.version, error.migration));
  return lines;
}

/** The guide's "column already exists" case, made visible: one line per migration that found objects present. */
function renderPresent(tag: string, plane: PlaneReport): string[] {
  return plane.applied
    .filter((m) => m.alreadyPresent.length > 0)
    .map((m) => `${tag} Note: ${m.version} found objects already present: ${m.alreadyPresent.map((p) => `statement ${p.statement} (line ${p.line}): ${p.message.replace(/, skipping$/, '')}${p.skipped ? ', skipped' : ''}`).join('; ')}`);
}

/** One plane's block of lines, tagged `[PLANE]`. */
export function renderPlane(plane: PlaneReport): string[] {
  const tag = `[${plane.plane.toUpperCase()}]`;
  const lines = [`${tag} Connecting to database...`];
  if (!plane.connected) return [...lines, ...renderError(tag, plane)];
  lines.push(`${tag} Connected.`);
  const applied = plane.applied.filter((m) => m.outcome === 'applied').map((m) => m.version);
  const skipped = plane.applied.filter((m) => m.outcome === 'skipped').map((m) => m.version);
  const pending = plane.pending.map((m) => m.version);
  if (plane.mode === 'dry-run') {
    lines.push(pending.length > 0 ? `${tag} Would apply ${pending.length} migration(s): ${list(pending)}` : `${tag} Nothing to apply.`);
    const g = plane.syntaxGrammar;
    if (g) lines.push(`${tag} Note: syntax was checked with PostgreSQL ${g.grammar}'s grammar (${g.parser}); this server runs PostgreSQL ${g.server}, which may reject what that grammar accepts, so \`up\` can still fail on syntax.`);
  } else if (applied.length > 0) {
    lines.push(`${tag} Applied ${applied.length} migration(s): ${list(applied)}`);
  }
  if (skipped.length > 0) lines.push(`${tag} Marked ${skipped.length} migration(s) as skipped, their objects already existed: ${list(skipped)}`);
  if (plane.alreadyApplied.length > 0) lines.push(`${tag} Skipped ${plane.alreadyApplied.length} already-applied migration(s)`);
  lines.push(...renderPresent(tag, plane));
  // Rows an older runner wrote carry no checksum at all: that is the adoption the guide describes, not news.
  const unverifiable = plane.unverified.filter((u) => u.reason !== 'no checksum recorded');
  if (unverifiable.length > 0) {
    lines.push(`${tag} Note: ${unverifiable.length} applied migration(s) cannot be verified against their files: ${unverifiable.map((u) => `${u.version} (${u.reason})`).join(', ')}`);
  }
  if (plane.unrecordedObjects && plane.unrecordedObjects.length > 0) {
    lines.push(`${tag} Warning: no schema_migrations, but the schema already holds ${plane.unrecordedObjects.length} object(s) of its own (${describeObjects(plane.unrecordedObjects)}); "up" will refuse to run.`);
    lines.push(`${tag}   Hint: ${BASELINE_HINT}`);
  }
  if (plane.outOfOrder.length > 0) lines.push(`${tag} Note: ${plane.mode === 'dry-run' ? 'would apply' : 'applied'} out of order (lower than an applied version): ${list(plane.outOfOrder)}`);
  if (plane.unknownApplied.length > 0) {
    lines.push(`${tag} Note: ${plane.unknownApplied.length} applied migration(s) unknown to this release, left as they are: ${list(plane.unknownApplied)}`);
  }
  lines.push(...renderDriftWarnings(tag, plane.drift ?? null));
  if (plane.error) {
    lines.push(...renderError(tag, plane));
    const notRun = pending.filter((v) => v !== plane.error?.version);
    if (notRun.length > 0) lines.push(`${tag} Not run: ${list(notRun)}`);
    return lines;
  }
  if (plane.mode === 'dry-run') {
    lines.push(`${tag} Dry run: no changes were made.`);
    return lines;
  }
  if (pending.length > 0) lines.push(`${tag} Left pending (beyond --to): ${list(pending)}`);
  if (applied.length + skipped.length + plane.alreadyApplied.length + pending.length === 0) lines.push(`${tag} No migrations to apply.`);
  lines.push(`${tag} All migrations completed successfully.`);
  return lines;
}

export function renderFooter(report: Pick<MigrationReport, 'ok' | 'mode' | 'planes'>): string[] {
  if (!report.ok) {
    const failed = report.planes.filter((p) => !p.ok).map((p) => p.plane.toUpperCase());
    return [`[FAIL] Migration run failed for ${failed.join(', ')}.`];
  }
  return [report.mode === 'dry-run' ? '[OK] Dry run complete. No changes were made.' : '[OK] Migration run complete.'];
}

/** The whole run as the operator guide prints it. */
export function renderReport(report: MigrationReport): string {
  return [...renderHeader(report.mode), ...report.planes.flatMap(renderPlane), ...renderFooter(report)].join('\n') + '\n';
}

/** `--status`: every migration of each plane with its state and when it was applied. */
export function renderStatus(statuses: readonly PlaneStatus[]): string[] {
  const lines = ['=== AtlasAI Migration Status ==='];
  for (const status of statuses) {
    const tag = `[${status.plane.toUpperCase()}]`;
    lines.push(`${tag} ${status.target}`);
    if (status.error) {
      lines.push(`${tag} Error: ${status.error.message}`);
      continue;
    }
    const width = Math.max(4, ...status.entries.map((e) => e.name.length));
    const stateWidth = Math.max(8, ...status.entries.map((e) => e.state.length));
    lines.push(`${tag} ${'version'.padEnd(8)} ${'name'.padEnd(width)} ${'state'.padEnd(stateWidth)} applied_at`);
    for (const e of status.entries) {
      lines.push(`${tag} ${String(e.version).padEnd(8)} ${e.name.padEnd(width)} ${e.state.padEnd(stateWidth)} ${e.appliedAt ?? '-'}`);
    }
    if (status.drift?.error) lines.push(`${tag} Drift: not checked: ${status.drift.error.message}`);
    for (const finding of status.drift?.findings ?? []) lines.push(`${tag} ${finding.kind === 'extra' ? 'Note' : 'Drift'}: ${renderFinding(finding)}`);
  }
  return lines;
}
