import { renderError } from './render-error.js';
import type { MigrationReport, PlaneReport, RunMode } from './report.js';
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

/** The guide's "column already exists" case, made visible: one line per migration that found objects present. */
function renderPresent(tag: string, plane: PlaneReport): string[] {
  return plane.applied
    .filter((m) => m.alreadyPresent.length > 0)
    .map((m) => {
      const found = m.alreadyPresent.map(
        (p) => `statement ${p.statement} (line ${p.line}): ${p.message.replace(/, skipping$/, '')}${p.skipped ? ', skipped' : ''}`,
      );
      return `${tag} Note: ${m.version} found objects already present: ${found.join('; ')}`;
    });
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
    if (g)
      lines.push(
        `${tag} Note: syntax was checked with PostgreSQL ${g.grammar}'s grammar (${g.parser}); this server runs PostgreSQL ${g.server}, which may ` +
          `reject what that grammar accepts, so \`up\` can still fail on syntax.`,
      );
  } else if (applied.length > 0) {
    lines.push(`${tag} Applied ${applied.length} migration(s): ${list(applied)}`);
  }
  if (skipped.length > 0) lines.push(`${tag} Marked ${skipped.length} migration(s) as skipped, their objects already existed: ${list(skipped)}`);
  if (plane.alreadyApplied.length > 0) lines.push(`${tag} Skipped ${plane.alreadyApplied.length} already-applied migration(s)`);
  lines.push(...renderPresent(tag, plane));
  // Rows an older runner wrote carry no checksum at all: that is the adoption the guide describes, not news.
  const unverifiable = plane.unverified.filter((u) => u.reason !== 'no checksum recorded');
  if (unverifiable.length > 0) {
    lines.push(
      `${tag} Note: ${unverifiable.length} applied migration(s) cannot be verified against their files: ` +
        `${unverifiable.map((u) => `${u.version} (${u.reason})`).join(', ')}`,
    );
  }
  for (const r of plane.reformatted ?? []) {
    const what = `Warning: applied migration ${r.version} (${r.name}) changed since it ran only in comments or white space (${r.file})`;
    lines.push(
      plane.mode === 'dry-run'
        ? `${tag} ${what}; "up" will re-record its checksum.`
        : plane.changed === true && plane.error?.code !== 'CHECKSUM_MISMATCH'
          ? `${tag} ${what}; its checksum was re-recorded (schema_migrations_audit), so this is said once.`
          : `${tag} ${what}.`,
    );
  }
  if (plane.unrecordedObjects && plane.unrecordedObjects.length > 0) {
    lines.push(
      `${tag} Warning: no schema_migrations, but the schema already holds ${plane.unrecordedObjects.length} object(s) of its own (` +
        `${describeObjects(plane.unrecordedObjects)}); "up" will refuse to run.`,
    );
    lines.push(`${tag}   Hint: ${BASELINE_HINT}`);
  }
  if (plane.outOfOrder.length > 0)
    lines.push(`${tag} Note: ${plane.mode === 'dry-run' ? 'would apply' : 'applied'} out of order (lower than an applied version): ${list(plane.outOfOrder)}`);
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
  return `${[...renderHeader(report.mode), ...report.planes.flatMap(renderPlane), ...renderFooter(report)].join('\n')}\n`;
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
    // Each column as wide as its widest cell: 14-digit (timestamp) versions stay aligned.
    const versionWidth = Math.max(8, ...status.entries.map((e) => String(e.version).length + 1));
    const width = Math.max(4, ...status.entries.map((e) => e.name.length));
    const stateWidth = Math.max(8, ...status.entries.map((e) => e.state.length));
    lines.push(`${tag} ${'version'.padEnd(versionWidth)} ${'name'.padEnd(width)} ${'state'.padEnd(stateWidth)} applied_at`);
    for (const e of status.entries) {
      lines.push(`${tag} ${String(e.version).padEnd(versionWidth)} ${e.name.padEnd(width)} ${e.state.padEnd(stateWidth)} ${e.appliedAt ?? '-'}`);
    }
    if (status.drift?.error) lines.push(`${tag} Drift: not checked: ${status.drift.error.message}`);
    for (const finding of status.drift?.findings ?? []) lines.push(`${tag} ${finding.kind === 'extra' ? 'Note' : 'Drift'}: ${renderFinding(finding)}`);
  }
  return lines;
}
