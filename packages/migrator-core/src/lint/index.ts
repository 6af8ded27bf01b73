// The migration linter's public surface, re-exported by the package index.
export { ALLOW_MARKER, readAllowances, type AllowanceComment } from './allowances.js';
export type { HonouredAllowance, LintFinding, LintResult } from './findings.js';
export { collectSqlFiles, dialectsOf, lintMigrations, lintPaths, type LintInput, type LintOptions } from './lint-files.js';
export { renderLintJson, renderLintText } from './render-lint.js';
export { IDEMPOTENCY_RULES, IDEMPOTENT_CREATE_RULES, LINT_RULES, type LintRule, type LintSeverity } from './rules.js';
