import { shownTarget } from '../dialects/index.js';
import type { DatabaseTarget } from '../dialects/target.js';
import type { CliIo } from './io.js';
import type { PlaneTarget } from './targets.js';

/**
 * The one line on stderr naming a plane's database before the command connects to it, redacted, with
 * where the URL came from: `[TENANT] target: sqlite:/…/data/tenant-plane.db (TENANT_PLANE_DATABASE_URL
 * is unset: the SQLite default)`. stderr, so the report's lines on stdout stay exactly as documented; a
 * mistyped variable then shows as a default the operator did not mean, before anything is changed.
 */
export function writeTargetLine(io: CliIo, plane: PlaneTarget, target: DatabaseTarget, redact: (text: string) => string): void {
  const shown = shownTarget(target);
  const source = plane.source === undefined ? '' : ` (${plane.source})`;
  io.stderr.write(redact(`[${plane.registry.plane.toUpperCase()}] target: ${shown}${source}\n`));
}
