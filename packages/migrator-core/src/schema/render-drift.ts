import type { DriftFinding } from './compare-schema.js';
import type { DriftReport } from './drift-check.js';
import type { SchemaVerification } from './verify-schema.js';

export const VERIFY_TITLE = '=== AtlasAI Schema Verification ===';

const shown = (definition: string) => `\`${definition}\``;

/**
 * One finding on one line: what, which version defines it, expected versus actual.
 * `Different: column billing_invoices.razorpay_order_id (1007): expected `text`, actual `integer``
 */
export function renderFinding(finding: DriftFinding): string {
  const what = `${finding.objectKind} ${finding.name}`;
  const parts = finding.parts ? `, with ${finding.parts} part(s)` : '';
  switch (finding.kind) {
    case 'missing':
      return `Missing: ${what} (${finding.version}${parts})${finding.expected ? `: expected ${shown(finding.expected)}` : ''}`;
    case 'different':
      return `Different: ${what} (${finding.version}): expected ${shown(finding.expected ?? '')}, actual ${shown(finding.actual ?? '')}`;
    case 'extra': {
      const origin = finding.version === null ? 'not in the registry' : `${finding.version}, not applied here`;
      return `Extra: ${what} (${origin}${parts})${finding.actual ? `: ${shown(finding.actual)}` : ''}`;
    }
  }
}

/** The run report's drift warnings for one plane (nothing when there is nothing to say). */
export function renderDriftWarnings(tag: string, drift: DriftReport | null): string[] {
  if (!drift) return [];
  if (drift.error) return [`${tag} Warning: the schema could not be checked against the registry snapshot: ${drift.error}`];
  return drift.findings.map((f) => `${tag} Warning: schema drift: ${renderFinding(f)}`);
}

/** `verify`'s text output over one or more planes. */
export function renderVerification(results: readonly SchemaVerification[]): string[] {
  const lines = [VERIFY_TITLE];
  for (const result of results) {
    const tag = `[${result.plane.toUpperCase()}]`;
    lines.push(`${tag} ${result.target}`);
    if (result.error) {
      lines.push(`${tag} Error: ${result.error.code}: ${result.error.message}`);
      continue;
    }
    lines.push(
      `${tag} Compared with the ${result.dialect} snapshot: ${result.appliedVersions.length} applied migration(s), ${result.expectedObjects} ` +
        `object(s) expected.`,
    );
    for (const finding of result.findings) lines.push(`${tag} ${renderFinding(finding)}`);
    const count = (kind: DriftFinding['kind']) => result.findings.filter((f) => f.kind === kind).length;
    const extra = count('extra') > 0 ? `; ${count('extra')} extra object(s), not an error` : '';
    lines.push(result.ok ? `${tag} No drift${extra}.` : `${tag} Drift: ${count('missing')} missing, ${count('different')} different${extra}.`);
  }
  const failed = results.filter((r) => !r.ok).map((r) => r.plane.toUpperCase());
  lines.push(failed.length === 0 ? '[OK] The schema matches the registry.' : `[FAIL] Schema drift or verification failure in ${failed.join(', ')}.`);
  return lines;
}
