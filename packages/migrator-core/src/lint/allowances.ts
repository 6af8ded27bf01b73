import type { HonouredAllowance, RawFinding } from './findings.js';
import { isRuleId, ruleById } from './rules.js';

/** The major-release escape hatch, written on the line before the statement it lets through. */
export const ALLOW_MARKER = 'atlas:allow';

const ALLOW_LINE = /^(\s*)--\s*atlas:allow\b(.*)$/;

/** One `-- atlas:allow <rule-id> <reason>` comment of a file. */
export interface AllowanceComment {
  /** 1-based line and column of the comment. */
  readonly line: number;
  readonly column: number;
  readonly text: string;
  readonly rule: string | undefined;
  readonly reason: string;
}

/**
 * Every allowance comment of a file, by line. A whole-line comment only: "the line before the
 * statement" is the contract, and a trailing comment would be ambiguous about which statement it means.
 */
export function readAllowances(text: string): Map<number, AllowanceComment> {
  const allowances = new Map<number, AllowanceComment>();
  text.split('\n').forEach((raw, i) => {
    const match = ALLOW_LINE.exec(raw.replace(/\r$/, ''));
    if (!match) return;
    const [, indent = '', rest = ''] = match;
    const words = /^\s*(\S+)?\s*(.*?)\s*$/.exec(rest);
    allowances.set(i + 1, { line: i + 1, column: indent.length + 1, text: raw.trim(), rule: words?.[1], reason: words?.[2] ?? '' });
  });
  return allowances;
}

/** The allowances stacked directly above `line`, nearest first. */
function allowancesAbove(allowances: ReadonlyMap<number, AllowanceComment>, line: number): AllowanceComment[] {
  const found: AllowanceComment[] = [];
  for (let l = line - 1; allowances.has(l); l--) found.push(allowances.get(l)!);
  return found;
}

/** What is left of a file's findings once its allowances are applied, and what the allowances did. */
export interface AllowanceOutcome {
  readonly findings: RawFinding[];
  readonly honoured: HonouredAllowance[];
}

function problem(rule: string, allowance: AllowanceComment, detail: string): RawFinding {
  return { rule, site: { line: allowance.line, column: allowance.column, text: allowance.text }, detail };
}

/**
 * Lets through each finding that an allowance for its rule, with a reason, sits directly above (above
 * the statement, or above the DO block or function that holds it). An allowance without a rule or a
 * reason, for an unknown rule, or that lets nothing through becomes an error finding of its own.
 */
export function applyAllowances(file: string, text: string, findings: readonly RawFinding[]): AllowanceOutcome {
  const allowances = readAllowances(text);
  const used = new Set<AllowanceComment>();
  const honoured: HonouredAllowance[] = [];
  const kept: RawFinding[] = [];
  for (const finding of findings) {
    const candidates = [finding.site.line, finding.site.outerLine].filter((l): l is number => l !== undefined).flatMap((l) => allowancesAbove(allowances, l));
    const match = ruleById(finding.rule).allowable ? candidates.find((a) => a.rule === finding.rule && a.reason !== '') : undefined;
    if (!match) {
      kept.push(finding);
      continue;
    }
    if (!used.has(match)) {
      honoured.push({ rule: finding.rule, file, line: match.line, statementLine: finding.site.line, statement: finding.site.text, reason: match.reason });
    }
    used.add(match);
  }
  for (const allowance of allowances.values()) {
    if (allowance.rule === undefined) kept.push(problem('allowance-without-reason', allowance, '`-- atlas:allow` names no rule'));
    else if (!isRuleId(allowance.rule)) kept.push(problem('useless-allowance', allowance, `\`-- atlas:allow\` names the unknown rule "${allowance.rule}"`));
    else if (allowance.reason === '') kept.push(problem('allowance-without-reason', allowance, `the allowance for ${allowance.rule} gives no reason`));
    else if (!used.has(allowance)) kept.push(problem('useless-allowance', allowance, `the allowance for ${allowance.rule} lets nothing through`));
  }
  return { findings: kept, honoured };
}
