import { MigratorError } from '../errors.js';
import type { Migration, SqlVariant } from '../migration.js';
import type { Registry } from '../registry.js';
import type { CliIo } from './io.js';

/**
 * The lint of what a run would apply, before it applies anything: `RunOptions.beforeApply` for `up` and
 * `plan`. From a registry's folder (one with an `atlasMigrations` manifest, as every built registry of
 * a repository is), an error finding without its allowance refuses the run (REGISTRY_INVALID, exit 2),
 * naming the rule and the way out: the build would refuse the same file. From any other folder the
 * findings are warnings on stderr. Warnings are printed in both cases. The linter loads only when
 * something is pending; a run with nothing to apply never calls this.
 */
export function lintBeforeApply(registry: Registry, io: CliIo): (pending: readonly Migration[], variant: SqlVariant) => Promise<void> {
  return async (pending, variant) => {
    const [{ lintMigrations, LINT_RULES, IDEMPOTENCY_RULES }, { readRegistryManifest }] = await Promise.all([
      import('../lint/index.js'),
      import('../registry.js'),
    ]);
    const input = (m: Migration) => ({ file: m.scripts[variant].file, sql: m.scripts[variant].sql, dialects: [variant] });
    const pendingVersions = new Set(pending.map((m) => m.version));
    // What the earlier migrations create, so that a DROP of it is recognised as a removal.
    const earlier = registry.migrations.filter((m) => !pendingVersions.has(m.version) && m.version < pending.at(-1)!.version).map(input);
    const result = await lintMigrations(pending.map(input), { earlier });
    if (result.findings.length === 0) return;
    const enforced = registry.sqlDir !== undefined && (await readRegistryManifest(registry.sqlDir)) !== null;
    // Outside a registry that declares itself idempotent, a CREATE without IF NOT EXISTS breaks no promise.
    const findings = enforced || registry.idempotent ? result.findings : result.findings.filter((f) => !IDEMPOTENCY_RULES.has(f.rule));
    const tag = `[${registry.plane.toUpperCase()}]`;
    const refused = enforced ? findings.filter((f) => f.severity === 'error') : [];
    for (const f of findings.filter((f) => !refused.includes(f))) {
      io.stderr.write(`${tag} Warning: lint: ${f.file}:${f.line}:${f.column}: ${f.rule}: ${f.message} [${f.statement}] Safe alternative: ${f.alternative}.\n`);
    }
    if (refused.length === 0) return;
    const rules = [...new Set(refused.map((f) => f.rule))];
    const what = refused.map((f) => `${f.file}:${f.line}:${f.column}: ${f.rule}: ${f.message} [${f.statement}]`).join('; ');
    // The way out is an allowance only where every refused rule takes one (a syntax error or an untouched template does not).
    const allowable = rules.every((id) => LINT_RULES.find((r) => r.id === id)?.allowable ?? false);
    const wayOut = allowable
      ? `Write the change additively (${refused[0]!.alternative}), or, if it is meant, put "-- atlas:allow <rule> <reason>" on the line before the ` +
        `statement (rule: ${rules.join(', ')})`
      : `${refused[0]!.alternative[0]!.toUpperCase()}${refused[0]!.alternative.slice(1)} (rule: ${rules.join(', ')}; no allowance lets it through)`;
    throw new MigratorError(
      'REGISTRY_INVALID',
      `A pending migration breaks the lint that this registry's build enforces: ${what}. Nothing was applied. ${wayOut}`,
    );
  };
}
