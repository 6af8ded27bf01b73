import { LINT_SCHEMA_VERSION } from '../report.js';
import type { LintResult } from './findings.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * Compiler-style lines, one per finding (`file:line:col: error rule-id: message`) so editors and CI
 * annotate them, then one `note` line per honoured allowance and a summary line.
 */
export function renderLintText(result: LintResult): string[] {
  const lines = result.findings.map(
    (f) => `${f.file}:${f.line}:${f.column}: ${f.severity} ${f.rule}: ${f.message} [${f.statement}] Safe alternative: ${f.alternative}.`,
  );
  for (const a of result.allowances)
    lines.push(`${a.file}:${a.statementLine}:1: note allowed ${a.rule}: ${a.reason} [${a.statement}] (allowance on line ${a.line})`);
  const errors = result.findings.filter((f) => f.severity === 'error').length;
  const warnings = result.findings.length - errors;
  lines.push(
    `lint: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}, ${plural(result.allowances.length, 'allowance')} in ` +
      `${plural(result.files.length, 'file')}${result.strict ? ' (strict)' : ''}`,
  );
  return lines;
}

/**
 * `lint --summary`, as the registries' builds run it: every error (and every warning under `--strict`)
 * in full, the warnings counted by rule on the summary line with the command that lists them, so known
 * warnings take one line and a new error is never buried among them.
 */
export function renderLintSummary(result: LintResult, paths: readonly string[]): string[] {
  const errors = result.findings.filter((f) => f.severity === 'error');
  const lines = renderLintText({ ...result, findings: errors, allowances: [] });
  const warnings = result.findings.filter((f) => f.severity === 'warning');
  if (warnings.length === 0 && result.allowances.length === 0) return lines;
  const byRule = new Map<string, number>();
  for (const w of warnings) byRule.set(w.rule, (byRule.get(w.rule) ?? 0) + 1);
  const counts = [...byRule].sort(([a], [b]) => a.localeCompare(b)).map(([rule, n]) => `${rule}: ${n}`);
  const summary =
    `lint: ${plural(errors.length, 'error')}, ${plural(warnings.length, 'warning')}${counts.length > 0 ? ` (${counts.join(', ')})` : ''}` +
    `, ${plural(result.allowances.length, 'allowance')} in ${plural(result.files.length, 'file')}`;
  lines[lines.length - 1] = `${summary}; atlas-migrate lint ${paths.join(' ')} lists them`;
  return lines;
}

/** The same result as one JSON document. */
export function renderLintJson(result: LintResult): string {
  const errors = result.findings.filter((f) => f.severity === 'error').length;
  return JSON.stringify(
    {
      schemaVersion: LINT_SCHEMA_VERSION,
      ok: result.ok,
      strict: result.strict,
      summary: { files: result.files.length, errors, warnings: result.findings.length - errors, allowances: result.allowances.length },
      findings: result.findings,
      allowances: result.allowances,
    },
    null,
    2,
  );
}
