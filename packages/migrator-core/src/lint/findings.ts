import type { CreatedObjects } from './created-objects.js';
import { ruleById, type LintSeverity } from './rules.js';

/** Where a statement starts in its file, with its first line as written. */
export interface StatementSite {
  /** 1-based line and column of the statement's first character. */
  readonly line: number;
  readonly column: number;
  /** The statement's first line, trimmed. */
  readonly text: string;
  /**
   * For a statement inside a DO block or function body: the line of the enclosing statement, so an
   * allowance may also sit before the DO.
   */
  readonly outerLine?: number;
}

/** What a dialect linter reports, before allowances and `--strict` are applied. */
export interface RawFinding {
  readonly rule: string;
  readonly site: StatementSite;
  /** What this statement does, in a few words ("drops column users.email"). */
  readonly detail: string;
}

/** One file through one dialect's linter: its findings before allowances, and the objects it creates. */
export interface FileLint {
  readonly findings: RawFinding[];
  readonly created: CreatedObjects;
}

/** One problem of one statement, as printed and as returned in JSON. */
export interface LintFinding {
  readonly rule: string;
  readonly severity: LintSeverity;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The statement's first line. */
  readonly statement: string;
  /** What the statement does and why that breaks the contract. */
  readonly message: string;
  /** What to write instead. */
  readonly alternative: string;
}

/** An `-- atlas:allow` comment that let a finding through. */
export interface HonouredAllowance {
  readonly rule: string;
  readonly file: string;
  /** The line of the comment. */
  readonly line: number;
  /** Where the allowed statement starts. */
  readonly statementLine: number;
  readonly statement: string;
  readonly reason: string;
}

/** The lint of a set of files. `ok` is false when any finding is an error. */
export interface LintResult {
  readonly ok: boolean;
  readonly strict: boolean;
  readonly files: readonly string[];
  readonly findings: readonly LintFinding[];
  readonly allowances: readonly HonouredAllowance[];
}

/** A finding for `file`, with the rule's severity (every warning an error under `strict`). */
export function toFinding(raw: RawFinding, file: string, strict: boolean): LintFinding {
  const rule = ruleById(raw.rule);
  return {
    rule: rule.id,
    severity: strict ? 'error' : rule.severity,
    file,
    line: raw.site.line,
    column: raw.site.column,
    statement: raw.site.text,
    message: `${raw.detail}: ${rule.why}`,
    alternative: rule.alternative,
  };
}

/** Findings in file order; a plain `.sql` file linted for both dialects reports a shared problem once. */
export function sortAndDedupe(findings: readonly LintFinding[]): LintFinding[] {
  const seen = new Set<string>();
  const unique = findings.filter((f) => {
    const key = `${f.file}\0${f.line}\0${f.column}\0${f.rule}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule));
}
