import { createHash } from 'node:crypto';
import { FleetError } from './types.js';

/** One wave as fixed in a run: its name and the fraction of its items that may fail before the run halts. */
export interface WaveDef {
  readonly name: string;
  readonly budget: number;
}

type WaveRule = { name: string; tag: string } | { name: string; percent: number };

export const DEFAULT_FAILURE_BUDGET = 0.02;

function invalid(message: string): FleetError {
  return new FleetError('FLEET_INVALID_SPEC', message);
}

/**
 * `canary=tag:internal,1%,10%,100%`: a wave per comma, `name=` optional; `tag:X` takes the tenants tagged
 * X (a canary, failure budget 0), `N%` takes tenants outside the tag waves up to N % of them
 * (cumulative), and the last percentage must be 100 % so that every tenant is in a wave.
 */
export function parseWaves(text: string | undefined): WaveRule[] {
  const parts = (text ?? '100%')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length === 0) throw invalid('--waves is empty');
  const rules: WaveRule[] = [];
  let last = 0;
  for (const [i, part] of parts.entries()) {
    const eq = part.indexOf('=');
    const name = eq > 0 ? part.slice(0, eq).trim() : undefined;
    const body = (eq > 0 ? part.slice(eq + 1) : part).trim();
    if (name !== undefined && !/^[\w.-]+$/.test(name)) throw invalid(`Invalid wave name "${name}" in --waves`);
    const tag = /^tag:(.+)$/.exec(body);
    const pct = /^(\d+(?:\.\d+)?)%$/.exec(body);
    if (tag) {
      rules.push({ name: name ?? `tag-${tag[1]}`, tag: tag[1]! });
    } else if (pct) {
      const percent = Number(pct[1]);
      if (percent <= last || percent > 100) throw invalid(`Wave percentages must rise, up to 100%: "${body}" after ${last}%`);
      last = percent;
      rules.push({ name: name ?? `${percent}%`, percent });
    } else {
      throw invalid(`Invalid wave "${part}" (wave ${i + 1}): expected tag:<tag> or <n>%, optionally name=…`);
    }
  }
  if (last !== 100) throw invalid('The last percentage wave of --waves must be 100%, so that every tenant of the fleet is in a wave');
  if (new Set(rules.map((r) => r.name)).size !== rules.length) throw invalid('Wave names in --waves must be distinct');
  return rules;
}

/** A stable position for a tenant id, the same on every replica and every restart. */
function rank(tenantId: string): string {
  return createHash('sha256').update(tenantId).digest('hex');
}

/**
 * Assigns each tenant to a wave, once, at run creation: a tag wave takes its tagged tenants not already
 * in an earlier wave; the percentage waves split the rest, ordered by the hash of their id, cumulatively
 * (ceil of N % of them, so 1 % of 20 tenants is one tenant).
 */
export function assignWaves(
  tenants: readonly { id: string; tags: readonly string[] }[],
  rules: readonly WaveRule[],
  failureBudget = DEFAULT_FAILURE_BUDGET,
): { waves: WaveDef[]; waveOf: Map<string, number> } {
  if (!(failureBudget >= 0 && failureBudget <= 1)) throw invalid(`The failure budget must be a fraction between 0 and 1, not ${failureBudget}`);
  const waveOf = new Map<string, number>();
  rules.forEach((rule, index) => {
    if ('tag' in rule) for (const t of tenants) if (!waveOf.has(t.id) && t.tags.includes(rule.tag)) waveOf.set(t.id, index);
  });
  const rest = tenants.filter((t) => !waveOf.has(t.id)).map((t) => ({ id: t.id, rank: rank(t.id) }));
  rest.sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0));
  let taken = 0;
  rules.forEach((rule, index) => {
    if (!('percent' in rule)) return;
    const upTo = Math.min(rest.length, Math.ceil((rule.percent / 100) * rest.length - 1e-9));
    for (; taken < upTo; taken++) waveOf.set(rest[taken]!.id, index);
  });
  const waves = rules.map((rule) => ({ name: rule.name, budget: 'tag' in rule ? 0 : failureBudget }));
  return { waves, waveOf };
}
